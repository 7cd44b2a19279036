"""The distribution must install its code under the `fakescope` namespace only: top-level packages named
`server` or `training` in site-packages would collide with any other distribution using those names."""
from __future__ import annotations

import subprocess
import sys
import zipfile


def test_wheel_installs_only_the_fakescope_namespace(repo_root, tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(repo_root)], check=True, capture_output=True, timeout=300)
    (wheel,) = tmp_path.glob("fakescope-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/", 1)[0] for n in names if not n.split("/", 1)[0].endswith(".dist-info")}
    assert top == {"fakescope"}, top
    # every subpackage of the repository folders is there, with its data files
    for must in ("fakescope/server/cli.py", "fakescope/server/openapi.json", "fakescope/server/encoders/artifacts.py",
                 "fakescope/server/detectors/base.py", "fakescope/training/cli.py",
                 "fakescope/training/configs/audio.json", "fakescope/training/evaluation/measure.py",
                 "fakescope/training/audio/recipe.py", "fakescope/training/face/recipe.py",
                 "fakescope/training/aigen/recipe.py", "fakescope/training/augment/image.py"):
        assert must in names, must


def test_the_command_runs_from_the_namespace():
    import fakescope.server.cli as cli

    assert cli.__name__ == "fakescope.server.cli"
    out = subprocess.run([sys.executable, "-m", "fakescope.server", "--help"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and "serve" in out.stdout
