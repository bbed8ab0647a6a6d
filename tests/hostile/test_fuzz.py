"""A few hundred mutated inputs per reader in CI (10,000 locally: python tests/hostile/fuzz.py 10000),
in a child process under an address-space limit: every input gives the reader's typed error or a result."""
from __future__ import annotations

import json
import subprocess
import sys

from hostile import corpus

EXAMPLES = 200


def test_readers_survive_mutated_inputs(tmp_path):
    pytest_env = corpus.environment(tmp_path)
    proc = subprocess.run([sys.executable, str(corpus.HERE / "fuzz.py"), str(EXAMPLES)], capture_output=True,
                          text=True, env=pytest_env, preexec_fn=corpus._limit, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["findings"] == []
    assert all(r["run"] >= EXAMPLES // 2 for r in report["examples"].values()), report["examples"]
