"""Where the benchmarks find the MLPerf Tiny models: $EDGECOMPILE_MODELS, else ../shared/models/mlperf_tiny
beside this checkout (the trained models of the MLCommons tiny repository, read in place, never copied)."""
import os
from pathlib import Path

MODELS = Path(os.environ.get("EDGECOMPILE_MODELS") or
              Path(__file__).resolve().parent.parent.parent / "shared" / "models" / "mlperf_tiny")
