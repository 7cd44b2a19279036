"""Fixtures for the extension tests: node, the npm packages, Chromium and Firefox, located or explained."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ext_env import REPO, require


@pytest.fixture(scope="session")
def node() -> str:
    exe = shutil.which("node")
    require(exe is not None, "node is not installed")
    return exe


@pytest.fixture(scope="session")
def node_modules(node) -> Path:
    nm = REPO / "node_modules"
    require((nm / "puppeteer-core").is_dir() and (nm / "web-ext").is_dir(),
            "node_modules missing: run `npm ci` at the repo root")
    return nm


@pytest.fixture(scope="session")
def chromium_exe() -> str:
    exe = os.environ.get("FAKESCOPE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    require(Path(exe).exists(), f"Chromium not found at {exe}: apt-get install -y chromium")
    return exe


@pytest.fixture(scope="session")
def firefox_exe() -> str:
    exe = os.environ.get("FAKESCOPE_FIREFOX") or shutil.which("firefox-esr") or "/usr/bin/firefox-esr"
    require(Path(exe).exists(), f"Firefox not found at {exe}: apt-get install -y firefox-esr")
    return exe
