"""Runs the extension's node:test unit tests, so one `python -m pytest` covers them too."""
import subprocess

from ext_env import EXT_DIR, REPO


def test_node_unit_tests_pass(node):
    proc = subprocess.run([node, "--test", str(EXT_DIR / "tests")], cwd=REPO, capture_output=True, text=True, timeout=120)
    tail = proc.stdout[-4000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, tail
    assert "# fail 0" in proc.stdout and "# pass " in proc.stdout, tail
