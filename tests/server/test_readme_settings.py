"""The README's tables of FAKESCOPE_* variables must state the defaults that server/config.py really has
(the README once said FAKESCOPE_VIDEO_MAX_FRAMES was 60 while the server used 48)."""
from __future__ import annotations

import dataclasses
import re

from fakescope.server.config import Settings

ROW = re.compile(r"^\| `FAKESCOPE_([A-Z_]+)` \| `([^`]+)` \|", re.M)


def test_every_documented_default_is_the_real_one(repo_root):
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    rows = ROW.findall((repo_root / "README.md").read_text())
    checked = 0
    for name, documented in rows:
        f = fields.get(name.lower())
        if f is None or f.default is dataclasses.MISSING:
            continue  # computed defaults (paths, thread counts) are described in words
        assert str(f.default) == documented or float(f.default) == float(documented), \
            f"README says FAKESCOPE_{name} defaults to {documented}, server/config.py has {f.default}"
        checked += 1
    assert checked >= 15, f"only {checked} documented defaults found: did the README's table change shape?"
