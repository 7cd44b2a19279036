"""Locate ../shared tools via tests/conftest.py's shared_root() (or $FAKESCOPE_SHARED)."""
import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("fakescope_tests_root_conftest",
                                               Path(__file__).resolve().parent.parent / "conftest.py")
_root = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_root)


def shared_tool(relative: str) -> Path:
    path = _root.shared_root() / relative
    if not path.exists():  # like the training-pool checks: without ../shared this check skips, saying why
        pytest.skip(f"shared-tool check: {path} is absent (put ../shared beside the checkout or set FAKESCOPE_SHARED)")
    return path
