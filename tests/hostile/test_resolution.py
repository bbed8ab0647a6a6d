"""Issue 16 items 3, 4, 5, 7, 8: shard names, remote specs, module:function resolution, lazy .npy
reads, and the linear passes (correctness here; speed in benchmarks/hostile_scaling.py)."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from edgecompile.core.tensor import TensorSpec
from edgecompile.errors import CalibrationError, UsageError

FLAT = [TensorSpec("x", (1, 4), "float32")]


def test_shards_reach_webdataset_as_local_paths(tmp_path, monkeypatch):
    from edgecompile.train.data import expand_shards

    (tmp_path / "pipe:touch x; cat 0.tar #.tar").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    (name,) = expand_shards("*.tar")
    assert name.startswith("/") and name.endswith("#.tar")


def test_remote_specs_are_checked():
    from edgecompile.bench.ssh import Remote

    assert Remote.parse("pi@10.0.0.2:2222").port == 2222
    for spec in ("h:99999", "h:0", "a b:22", "h;rm -rf /"):
        with pytest.raises(UsageError):
            Remote.parse(spec)
    with pytest.raises(UsageError, match="absolute"):
        Remote.parse("h", workdir="../x")


def test_module_sources_resolve_in_the_manifest_folder(tmp_path, monkeypatch):
    from edgecompile.quant.sources import load_samples

    cal = tmp_path / "cal"
    cal.mkdir()
    (cal / "calmod_h16.py").write_text(textwrap.dedent("""
        import numpy as np
        def f():
            return [{"x": np.full((1, 4), 7, np.float32)}] * 20
    """))
    (cal / "m.toml").write_text('source = "calmod_h16:f"\n')
    work = tmp_path / "work"
    work.mkdir()
    (work / "calmod_h16.py").write_text("raise SystemExit('the working folder must not be searched')\n")
    monkeypatch.chdir(work)
    feeds, _ = load_samples(str(cal / "m.toml"), FLAT, 20)
    assert float(feeds[0]["x"][0, 0]) == 7
    with pytest.raises(CalibrationError, match="SystemExit"):
        load_samples("sys:exit", FLAT, 20)


def test_npy_is_read_lazily(tmp_path):
    """A 1 GiB (sparse) .npy used for 16 samples: only those rows are read (peak RSS stays small)."""
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (67108864, 4), }"
    header += b" " * ((64 - (10 + len(header) + 1) % 64) % 64) + b"\n"
    p = tmp_path / "big.npy"
    with open(p, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header)
        f.truncate(10 + len(header) + (1 << 30))
    code = textwrap.dedent(f"""
        from edgecompile.core.tensor import TensorSpec
        from edgecompile.quant.sources import load_samples
        feeds, info = load_samples({str(p)!r}, [TensorSpec("x", (1, 4), "float32")], 16)
        # VmHWM: this image's own peak (ru_maxrss keeps the forking parent's peak across exec)
        hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:")).split()[1]
        print(len(feeds), hwm)
    """)
    n, rss_kib = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert int(n) == 16 and int(rss_kib) < 1 << 19, rss_kib  # < 512 MiB peak for a 1 GiB file


def _chain(n: int, ops):
    from onnx import TensorProto, helper

    nodes = [helper.make_node(ops[i % len(ops)], [f"t{i}"], [f"t{i + 1}"]) for i in range(n)]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("t0", TensorProto.FLOAT, [1, 4])],
                          [helper.make_tensor_value_info(f"t{n}", TensorProto.FLOAT, [1, 4])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def test_identity_chains_collapse_and_keep_output_names():
    from edgecompile.passes import PassContext
    from edgecompile.passes.remove_identity import run

    m, changed, _ = run(_chain(300, ["Neg", "Identity", "Identity"]), PassContext({}))
    assert changed and [n.op_type for n in m.graph.node] == ["Neg"] * 100
    assert m.graph.node[-1].output[0] == "t300"
    ident_only, _, _ = run(_chain(3, ["Identity"]), PassContext({}))
    assert len(ident_only.graph.node) == 1  # an output fed straight from the input keeps one Identity
    x = np.arange(4, dtype=np.float32).reshape(1, 4)
    import onnxruntime as ort

    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    np.testing.assert_array_equal(sess.run(None, {"t0": x})[0], x)  # 100 negations cancel
