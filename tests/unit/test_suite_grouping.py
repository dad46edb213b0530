"""The suite's own setup: under `-n auto --dist loadgroup`, the modules of tests/conftest.py's
ONE_WORKER carry their group, so each runs in one worker and its module fixtures run once.

pytest 9.2 with pytest-xdist 3.8 drops the groups without a word (pytest-dev/pytest-xdist#1386):
this test makes that loud, should the pin in pyproject.toml be lifted too early."""

from __future__ import annotations

import pytest

from tests.conftest import ONE_WORKER


def test_one_worker_modules_carry_their_group(request: pytest.FixtureRequest) -> None:
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("runs in a pytest-xdist worker under --dist loadgroup (python -m pytest -n auto)")
    items = request.session.items
    for module in ONE_WORKER:
        ids = [i.nodeid for i in items if i.path.as_posix().endswith(module)]
        if ids:  # (only what this run collected)
            stem = module.rsplit("/", 1)[1].removesuffix(".py")
            assert all(n.endswith(f"@{stem}") for n in ids), ids[:3]
