"""`edgecompile serve` start-up: bad command lines fail cleanly; a public bind is warned about."""
from click.testing import CliRunner

from edgecompile.cli.main import cli


def run(*args):
    return CliRunner().invoke(cli, ["serve", *map(str, args)])


def test_not_an_artifact(tmp_path):
    r = run(tmp_path)
    assert r.exit_code == 1 and "is not an edgecompile artifact" in r.output and "Traceback" not in r.output


def test_usage_errors(artifacts, tmp_path):
    assert run(artifacts["cnn1"], "--max-batch", "0").exit_code == 2
    (tmp_path / "empty").write_text("\n")
    r = run(artifacts["cnn1"], "--token-file", tmp_path / "empty")
    assert r.exit_code == 2 and "--token-file is empty" in r.output
    r = run(f"a={artifacts['cnn1']}", f"a={artifacts['cnn4']}")
    assert r.exit_code == 2 and "Two artifacts are served as 'a' version 1" in r.output
    r = run(f"a b={artifacts['cnn1']}")
    assert r.exit_code == 2 and "may hold only letters" in r.output


def test_public_bind_warns(artifacts):
    from edgecompile.serve import server
    from edgecompile.serve.options import ServeOptions

    served, _ = server.load([f"m:2={artifacts['cnn4']}"], ServeOptions(host="0.0.0.0"))
    lines = server.describe(served, ServeOptions(host="0.0.0.0"))
    assert lines[0].startswith("model m v2 (onnxruntime fp32")
    assert lines[-1].startswith("warning: --host 0.0.0.0 accepts connections from other machines, "
                                "and there is no authentication")
    assert "plain HTTP" in server.describe(served, ServeOptions(host="0.0.0.0", token="t"))[-1]
    assert not any("warning" in line for line in server.describe(served, ServeOptions()))
