"""Reliability suite: hostile inputs, faults, load and the threat model, against real server processes on
loopback. Helpers and fixtures live in reliability_fixtures.py (unique module name); the server launcher and
probe detectors are the server tests' own (tests/server)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "server"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reliability_fixtures import hostile_files, hostile_site, rel_server, strict_rel_server  # noqa: E402,F401
