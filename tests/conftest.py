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
    """The training pool: only the training-pool checks (figures on the cards, the shipped heads on pool
    files, feature caches) use it. Without it they skip, all with this one reason; everything else makes
    its own media."""
    root = shared_root()
    if not (root / "datasets").is_dir():
        pytest.skip(f"training-pool check: {root}/datasets is absent (put ../shared beside the checkout or set "
                    "FAKESCOPE_SHARED)")
    return root
