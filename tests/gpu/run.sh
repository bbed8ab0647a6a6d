#!/usr/bin/env bash
# The TensorRT device check, for a machine with an NVIDIA GPU (driver installed, internet for pip).
# Builds ResNet-8 (MLPerf Tiny, ../shared/models/mlperf_tiny/) for the datacenter-gpu profile at fp32,
# fp16 and int8, finishes each artifact on this GPU (edgecompile device-build: engine, parity against
# ONNX Runtime, GPU/compute capability/TensorRT version in the manifest), then prints p50/p99 latency
# at batch 1, 8 and 64. Budget: under 8 minutes (most of it is pip). Usage: bash tests/gpu/run.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-/tmp/edgecompile-gpu}"
MODEL="${EDGECOMPILE_MODELS:-../shared/models/mlperf_tiny}/pretrainedResnet.tflite"
VENV="${EDGECOMPILE_GPU_VENV:-/tmp/edgecompile-gpu-venv}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

nvidia-smi --query-gpu=name,compute_cap,driver_version --format=csv,noheader || { echo "no NVIDIA GPU/driver" >&2; exit 1; }
[ -f "$MODEL" ] || { echo "missing $MODEL (set EDGECOMPILE_MODELS to the mlperf_tiny folder)" >&2; exit 1; }

# Its own venv: TensorRT's wheels and their CUDA libraries stay out of any shared environment.
python3 -m venv "$VENV"
. "$VENV/bin/activate"
python -c "import torch" 2>/dev/null || pip install -q torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
pip install -q -e '.[tflite,tensorrt]'  # tflite: tf2onnx imports the .tflite model; tensorrt: tensorrt + polygraphy
# the CUDA runtime that TensorRT's wheels bring, for Polygraphy's ctypes loader
LD_LIBRARY_PATH="$(python - <<'PY'
import glob, os, site
print(":".join(sorted({os.path.dirname(p) for d in site.getsitepackages()
                       for p in glob.glob(os.path.join(d, "nvidia", "*", "lib", "*.so*"))
                       + glob.glob(os.path.join(d, "tensorrt_libs", "*.so*"))})))
PY
):${LD_LIBRARY_PATH:-}"
export LD_LIBRARY_PATH
python -c "import tensorrt; print('TensorRT', tensorrt.__version__)"

rm -rf "$OUT"
python -m edgecompile build "$MODEL" -t datacenter-gpu -p fp32 -p fp16 -p int8 --calib random --out "$OUT"
for p in fp32 fp16 int8; do
  python -m edgecompile device-build "$OUT/datacenter-gpu-$p"
done
python benchmarks/tensorrt_latency.py "$OUT"/datacenter-gpu-{fp32,fp16,int8} --batches 1,8,64 --runs 200 \
  --out "$OUT/latency.json"
