"""Fixtures shared by every test folder."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def shared_root() -> Path:
    """../shared beside the checkout (or $FAKESCOPE_SHARED): the datasets and weights, never committed."""
    return Path(os.environ.get("FAKESCOPE_SHARED", REPO.parent / "shared")).resolve()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    root = shared_root()
    if not (root / "datasets").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{root}/datasets is missing: CI must run with ../shared beside the checkout")
        pytest.skip(f"{root}/datasets not found")
    return root
