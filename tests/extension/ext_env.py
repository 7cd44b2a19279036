"""Paths and the skip-or-fail rule shared by the extension tests (a uniquely named module: several test
folders have a conftest.py, so `import conftest` would be ambiguous).

Locally a missing tool skips with the reason; in CI (CI=true) it FAILS, because .ci/run installs
Chromium and Firefox ESR (apt) and the npm packages (npm ci) itself, so a missing one there is a real breakage.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXT_DIR = REPO / "extension"


def require(ok: bool, why: str) -> None:
    if ok:
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{why} (CI must provide it: .ci/run runs `apt-get install -y chromium firefox-esr` and `npm ci`)")
    pytest.skip(why)
