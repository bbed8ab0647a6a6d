"""Every hostile case: exit 1 or 2, one paragraph on stderr, no traceback, nothing left behind, nothing
executed, within the time and address-space limits (see corpus.py)."""
from __future__ import annotations

import pytest

from hostile import corpus

CASES = corpus.all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_case(case, hostile_results):
    results, skipped = hostile_results
    if case.id in skipped:
        pytest.skip(skipped[case.id])
    res = results[case.id]
    assert corpus.outcome(case, res) == "clean", (res.get("code"), res["stderr"][-3000:], res["leftovers"])
    if case.match:
        said = res["stderr"] + res.get("stdout", "")  # a build's per-target failures are reported on stdout
        assert case.match.lower() in said.lower(), said[-2000:]
