"""Remote benchmarking against a real OpenSSH server on 127.0.0.1 (started by this test)."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from conftest import REPO, need
from edgecompile.cli.main import cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    sshd_bin = shutil.which("sshd") or "/usr/sbin/sshd"
    need("sshd", os.path.exists(sshd_bin), "OpenSSH server is not installed (apt-get install openssh-server)")
    d = tmp_path_factory.mktemp("sshd")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / "host_key")], check=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / "client_key")], check=True)
    (d / "authorized_keys").write_text((d / "client_key.pub").read_text())
    os.chmod(d / "authorized_keys", 0o600)
    port = _free_port()
    (d / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {d / 'host_key'}\nPidFile {d / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {d / 'authorized_keys'}\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\nSubsystem sftp internal-sftp\n")
    os.makedirs("/run/sshd", exist_ok=True)
    proc = subprocess.Popen([sshd_bin, "-D", "-e", "-f", str(d / "sshd_config")], stderr=subprocess.PIPE)
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    # the remote's Python imports this checkout's edgecompile (an ssh session does not inherit PYTHONPATH)
    (d / "python").write_text(f"#!/bin/sh\nPYTHONPATH={REPO} exec {sys.executable} \"$@\"\n")
    os.chmod(d / "python", 0o755)
    host_pub = (d / "host_key.pub").read_text().split()
    (d / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_pub[0]} {host_pub[1]}\n")
    yield {"port": port, "key": d / "client_key", "known_hosts": d / "known_hosts", "user": os.environ.get("USER") or "root",
           "python": d / "python"}
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.random.default_rng(0).standard_normal((16, 4)).astype(np.float32), "w")
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], [w])
    out = tmp_path_factory.mktemp("art")
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(out / "m.onnx"))
    assert CliRunner().invoke(cli, ["build", str(out / "m.onnx"), "-t", "onnxruntime", "--out", str(out)]).exit_code == 0
    return out / "onnxruntime-fp32"


def test_bench_over_ssh(sshd, artifact, tmp_path):
    remote = f"{sshd['user']}@127.0.0.1:{sshd['port']}"
    res = CliRunner().invoke(cli, ["bench", str(artifact), "--runs", "30", "--remote", remote,
                                   "--ssh-key", str(sshd["key"]), "--known-hosts", str(sshd["known_hosts"]),
                                   "--remote-python", str(sshd["python"]), "--json"])
    assert res.exit_code == 0, res.output
    (m,) = json.loads(res.stdout)["results"]
    assert m["runner"] == "ssh" and m["remote"] == remote and m["runs"] == 30
    assert 0 < m["latency_ms"]["p50"] and m["latency_ms"]["p99"] is None  # 30 runs do not support a p99
    assert m["size_bytes"] > 0


def test_unknown_host_key_is_refused(sshd, artifact, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    res = CliRunner().invoke(cli, ["bench", str(artifact), "--remote", f"127.0.0.1:{sshd['port']}",
                                   "--ssh-key", str(sshd["key"]), "--known-hosts", str(empty)])
    assert res.exit_code == 1 and "Cannot reach 127.0.0.1" in res.output and "Traceback" not in res.output


def test_refusing_host_is_an_error_beside_the_other_results(artifact, tmp_path):
    """Nothing listens on the port: a prompt, typed error per artifact, no traceback."""
    port = _free_port()
    res = CliRunner().invoke(cli, ["bench", str(artifact), str(artifact), "--remote", f"127.0.0.1:{port}",
                                   "--ssh-timeout", "3", "--json"])
    assert res.exit_code == 1 and "Traceback" not in res.output
    results = json.loads(res.stdout)["results"]
    assert len(results) == 2
    assert all(f"Cannot reach 127.0.0.1:{port} over SSH (within 3 s)" in r["error"] for r in results)
