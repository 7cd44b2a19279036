"""The README's model table must say what the evaluate command measured: the held-out AUC and role of
each shipped model are read back from models/manifest.json, so a re-trained model cannot leave stale
figures in the README."""
from __future__ import annotations

import json
import re

from fakescope.server.verdict import is_advisory
from fakescope.training.evaluation.publish import role_cell


def _readme_rows(repo_root) -> dict:
    rows = {}
    for line in (repo_root / "README.md").read_text().splitlines():
        m = re.match(r"\| `(\w+)` (\S+) \|(.*)", line)
        if m:
            cells = [c.strip() for c in m.group(3).split("|")]
            rows[m.group(1)] = {"version": m.group(2), "auc": float(cells[2]), "role": cells[4]}
    return rows


def test_readme_model_table_matches_the_manifest(repo_root):
    manifest = json.loads((repo_root / "models" / "manifest.json").read_text())["models"]
    rows = _readme_rows(repo_root)
    trained = {k: e for k, e in manifest.items() if "heldout_auc" in e}  # trained models, any format
    assert set(rows) == set(trained), "every shipped trained model has exactly one README row"
    for key, entry in trained.items():
        row = rows[key]
        assert row["version"] == entry["version"]
        assert row["auc"] == round(entry["heldout_auc"], 3)
        assert row["role"] == role_cell(entry)
        if not entry.get("content_roles"):
            assert row["role"] == ("advisory" if is_advisory(entry["heldout_auc"], entry.get("heldout_worst_auc"))
                                   else "decisive")
