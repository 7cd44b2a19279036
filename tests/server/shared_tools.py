"""Locate ../shared tools via tests/conftest.py's shared_root() (or $FAKESCOPE_SHARED)."""
import importlib.util
import os
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("fakescope_tests_root_conftest",
                                               Path(__file__).resolve().parent.parent / "conftest.py")
_root = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_root)


def shared_tool(relative: str) -> Path:
    path = _root.shared_root() / relative
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI must run with ../shared beside the checkout")
        pytest.skip(f"{path} not found")
    return path
