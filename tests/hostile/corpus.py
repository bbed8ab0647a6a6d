"""The hostile corpus: every case prepared in its own folder, run in batches of a child process under
an address-space and a time limit, and judged. `python tests/hostile/corpus.py` prints the table of
cases by kind and outcome (for the before/after comparison in the issue note)."""
from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # `hostile` is importable when run as a script
    sys.path.insert(0, str(HERE.parent))
AS_LIMIT = 8 << 30  # address space of the batch process (and the tools it starts)
CASE_TIMEOUT_S = 150  # one case (a TFLite import starts TensorFlow in a child)
OUTCOMES = ("clean", "exit-0", "traceback", "not-one-paragraph", "leftover", "code-executed", "timeout", "crashed")


# cases whose error must also say the defect's own words (the wording of what was wrong)
MATCH = {
    "onnx-nan-weights": "not finite", "onnx-inf-weights": "not finite", "onnx-constant-only": "computes nothing",
    "tampered-onnx": "changed since the build", "manifest-file-dotdot": "plain relative paths",
    "module-sys-exit": "SystemExit", "remote-port-99999": "65535",
    "out-force-foreign-folder": "did not write", "pt2-legacy-weights-pickle": "arbitrary code",
    "cli-c-prefix-unicode": "C identifier", "npz-zip-bomb": "EDGECOMPILE_MAX_BYTES", "pt-state-dict": "state dict",
    "c-qemu-unknown-machine": "evil-board",
}


def all_cases():
    from hostile import cases_artifacts, cases_data, cases_models

    cases = cases_models.cases() + cases_data.cases() + cases_artifacts.cases()
    for c in cases:
        c.match = MATCH.get(c.id, c.match)
    return cases


def build_bases(root: Path, env: dict) -> dict[str, Path]:
    """Real artifacts to damage: onnxruntime fp32 and int8, and c fp32 when a C compiler is here."""
    from hostile import inputs

    (root / "m.onnx").write_bytes(inputs.onnx_bytes())
    bases = {}
    builds = {"ort": ["-t", "onnxruntime"], "int8": ["-t", "onnxruntime", "-p", "int8", "--calib", "random",
                                                      "--calib-samples", "16"]}
    if shutil.which(os.environ.get("CC", "gcc")):
        builds["c"] = ["-t", "c"]
    for key, args in builds.items():
        out = root / f"base-{key}"
        proc = subprocess.run([sys.executable, "-m", "edgecompile", "build", str(root / "m.onnx"), *args, "-o", str(out)],
                              capture_output=True, text=True, env=env, timeout=600, cwd=root)  # cwd: no shadowing
        folders = [p for p in out.iterdir() if p.is_dir()] if out.is_dir() else []
        if proc.returncode == 0 and folders:
            bases[key] = folders[0]
    return bases


def _listing(d: Path) -> set[str]:
    return {str(p.relative_to(d)) for p in d.rglob("*")} if d.exists() else set()


def prepare(root: Path, cases) -> tuple[list[dict], dict]:
    jobs, skipped = [], {}
    for case in cases:
        try:
            d = case.materialize(root / "cases")
        except KeyError as e:  # its base artifact could not be built here (no C compiler)
            skipped[case.id] = f"base artifact {e} unavailable"
            continue
        tmp = root / "tmp" / case.id
        tmp.mkdir(parents=True)
        jobs.append({"id": case.id, "dir": str(d), "tmp": str(tmp), "argv": case.argv, "env": case.env,
                     "timeout": CASE_TIMEOUT_S, "before": sorted(_listing(d))})
    return jobs, skipped


def _limit():
    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))


def run_batches(root: Path, jobs: list[dict], env: dict) -> dict[str, dict]:
    """Run the jobs; a crash or hang ends a batch, which then resumes after the case that caused it."""
    results: dict[str, dict] = {}
    pending = list(jobs)
    while pending:
        cases_file, results_file = root / "batch.json", root / "results.jsonl"
        cases_file.write_text(json.dumps(pending))
        results_file.unlink(missing_ok=True)
        budget = CASE_TIMEOUT_S * len(pending) + 60
        try:
            proc = subprocess.run([sys.executable, str(HERE / "batch.py"), str(cases_file), str(results_file)],
                                  capture_output=True, text=True, env=env, preexec_fn=_limit, timeout=budget)
            rc, why = proc.returncode, proc.stderr[-2000:]
        except subprocess.TimeoutExpired:
            rc, why = None, "batch timed out"
        started = None
        for line in results_file.read_text().splitlines() if results_file.exists() else []:
            rec = json.loads(line)
            if rec.get("end"):
                results[rec["id"]], started = rec, None
            else:
                started = rec["id"]
        if started is not None:  # the process died (or hung) inside this case
            results[started] = {"id": started, "code": None, "stderr": f"CRASHED (batch exit {rc}): {why}", "seconds": None}
        pending = [j for j in pending if j["id"] not in results]
        if started is None and pending:  # died before starting anything: report all as crashed
            for j in pending:
                results[j["id"]] = {"id": j["id"], "code": None, "stderr": f"CRASHED before start: {why}"}
            pending = []
    for j in jobs:
        d, tmp = Path(j["dir"]), Path(j["tmp"])
        new = sorted(_listing(d) - set(j["before"]))
        # edgecompile's own temp folders (not the C library cache, not other libraries' caches)
        new += [f"$TMPDIR/{p.name}" for p in tmp.iterdir()
                if p.name.startswith(("edgecompile", "ec-", "tmp")) and not p.name.startswith("edgecompile-c-")]
        results[j["id"]]["leftovers"] = new
    return results


def paragraph_problem(stderr: str, stdout: str = "") -> str | None:
    """None when stderr is one error paragraph (click's usage header and build progress lines allowed),
    else what is wrong.
    A build whose targets all failed reports one `failed: TARGET PRECISION: why` line per target instead."""
    progress = re.compile(r"^(building \S+ \S+ \.\.\.|  \S+ \S+: (ok|skipped|FAILED) in [\d.]+ s|auto: .*)$")
    lines = [ln for ln in stderr.rstrip().splitlines() if ln.strip() and not progress.match(ln)]
    if not lines and any(ln.startswith("failed: ") for ln in stdout.splitlines()):
        return None
    errors = [ln for ln in lines if ln.startswith(("error:", "Error:"))]
    others = [ln for ln in lines if not ln.startswith(("error:", "Error:", "Usage:", "Try '"))]
    if len(errors) != 1 or others:
        return f"{len(errors)} error lines, {len(others)} other lines"
    return None


def outcome(case, res: dict) -> str:
    if res.get("code") is None:
        return "crashed"
    if res["code"] == -1:
        return "timeout"
    if any("PWNED" in p for p in res["leftovers"]):
        return "code-executed"
    if "Traceback" in res["stderr"] + res.get("stdout", ""):
        return "traceback"
    if res["code"] not in case.expect:
        return "exit-0" if res["code"] == 0 else "traceback"
    if res["code"] != 0 and paragraph_problem(res["stderr"], res.get("stdout", "")):
        return "not-one-paragraph"
    left = [p for p in res["leftovers"] if not (case.keeps and p.startswith(case.keeps.rstrip("/")))]
    if left and res["code"] != 0:  # a valid build (damage that left a valid model) writes its artifact
        return "leftover"
    return "clean"


def environment(root: Path) -> dict:
    env = dict(os.environ)
    env["EDGECOMPILE_CACHE"] = str(root / "cache")
    src = env.get("EDGECOMPILE_HOSTILE_SRC", str(HERE.parent.parent))  # another checkout: the "before" table
    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def main(root: str) -> None:
    from hostile import cases_artifacts

    root_p = Path(root)
    root_p.mkdir(parents=True, exist_ok=False)
    env = environment(root_p)
    cases_artifacts.BASE.update(build_bases(root_p, env))
    cases = all_cases()
    jobs, skipped = prepare(root_p, cases)
    results = run_batches(root_p, jobs, env)
    table: dict[str, Counter] = {}
    for case in cases:
        if case.id in results:
            o = outcome(case, results[case.id])
            table.setdefault(case.kind, Counter())[o] += 1
            if o != "clean":
                print(f"{case.id:40s} {o:18s} {results[case.id]['stderr'].strip().splitlines()[-1:] if results[case.id]['stderr'].strip() else ''}")
    print(f"\n{'kind':16s} {'cases':>5s} " + " ".join(f"{o:>17s}" for o in OUTCOMES))
    for kind, c in sorted(table.items()):
        print(f"{kind:16s} {sum(c.values()):5d} " + " ".join(f"{c.get(o, 0):17d}" for o in OUTCOMES))
    total = sum(table.values(), Counter())
    print(f"{'all':16s} {sum(total.values()):5d} " + " ".join(f"{total.get(o, 0):17d}" for o in OUTCOMES))
    print(f"skipped: {skipped}")


if __name__ == "__main__":
    main(sys.argv[1])
