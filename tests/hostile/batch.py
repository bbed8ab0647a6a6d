"""`python batch.py CASES.json RESULTS.jsonl`: run hostile cases through the CLI in this one process
(click's CliRunner), one JSON line per case start and end, so the parent can tell which case a crash
or hang hit. Run by conftest under an address-space and a time limit."""
from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time
import traceback


class CaseTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise CaseTimeout


def run_case(cli, runner, case: dict) -> dict:
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.update({k: v.replace("{dir}", case["dir"]) for k, v in case["env"].items()})
    os.environ["TMPDIR"] = case["tmp"]
    tempfile.tempdir = None  # gettempdir() reads TMPDIR again
    os.chdir(case["dir"])
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(case["timeout"])
    t0 = time.monotonic()
    try:
        res = runner.invoke(cli, case["argv"], catch_exceptions=True)
        code, err, out = res.exit_code, res.stderr, res.stdout
        if res.exception is not None and not isinstance(res.exception, SystemExit):
            if isinstance(res.exception, CaseTimeout):
                code, err = -1, err + f"\nTIMEOUT after {case['timeout']} s"
            else:
                err += "".join(traceback.format_exception(*res.exc_info))
    finally:
        signal.alarm(0)
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        tempfile.tempdir = None
    return {"id": case["id"], "end": True, "code": code, "stderr": err, "stdout": out[-4000:],
            "seconds": round(time.monotonic() - t0, 2)}


def main(cases_file: str, results_file: str) -> None:
    from click.testing import CliRunner

    from edgecompile.cli.main import cli

    runner = CliRunner()
    cases = json.load(open(cases_file))
    with open(results_file, "a") as out:
        for case in cases:
            out.write(json.dumps({"id": case["id"], "start": True}) + "\n")
            out.flush()
            out.write(json.dumps(run_case(cli, runner, case)) + "\n")
            out.flush()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
