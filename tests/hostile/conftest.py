"""The corpus runs once per session: prepared here, executed in batch subprocesses under limits."""
from __future__ import annotations

import pytest

from hostile import cases_artifacts, corpus


@pytest.fixture(scope="session")
def hostile_results(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    env = corpus.environment(root)
    cases_artifacts.BASE.update(corpus.build_bases(root, env))
    jobs, skipped = corpus.prepare(root, corpus.all_cases())
    return corpus.run_batches(root, jobs, env), skipped
