"""What must never be committed: binary packages (install them from their registry instead) and media
from the training pool (it stays in ../shared)."""
from __future__ import annotations

import re
import subprocess

BINARY = re.compile(r"\.(whl|so|dll|exe|dylib|tar\.gz|egg)$")
MEDIA_UNDER_DATA = re.compile(r"(^|/)(datasets?|holdout)/.*\.(flac|wav|mp3|jpe?g|png|mp4|webm)$", re.I)


def _tracked(repo_root) -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=repo_root, capture_output=True, text=True, check=True).stdout
    return out.splitlines()


def test_no_binary_package_is_committed(repo_root):
    files = _tracked(repo_root)
    assert len(files) > 50  # really listed the checkout
    assert [f for f in files if BINARY.search(f)] == []


def test_no_training_media_is_committed(repo_root):
    assert [f for f in _tracked(repo_root) if MEDIA_UNDER_DATA.search(f)] == []
