"""Only the package layout lives here (everything else is in pyproject.toml): the repository folders
server/ and training/ are installed as fakescope.server and fakescope.training, every subpackage found
automatically, so a new subpackage needs no edit here."""
from setuptools import find_packages, setup

SUBTREES = ("server", "training")
found = find_packages(include=[f"{t}*" for t in SUBTREES])

setup(
    packages=["fakescope"] + [f"fakescope.{p}" for p in found],
    package_dir={"fakescope": "src/fakescope", **{f"fakescope.{t}": t for t in SUBTREES}},
    package_data={"fakescope.server": ["openapi.json"], "fakescope.training": ["configs/*.json"]},
)
