"""The shipped head as the server runs it: calibrated scores of a few reference files per class from the
training feature cache (tests/vision re-scores the same files through the serving path and must get the same
numbers: the manifest's spot_check), and the encoder's time per face crop on this machine."""
from __future__ import annotations

import json

import numpy as np

from fakescope.server.calibration import apply as cal_apply
from fakescope.training.config import repo_root
from fakescope.training.face import heads as H
from fakescope.training.face.features import encoder_ms


def spot_check(data: dict, feats: dict, ref: np.ndarray, head: dict, cal: dict, n: int = 6) -> list[dict]:
    """Calibrated shipped-model scores of n reference files per class, from the training feature cache."""
    out = []
    for cls in (0, 1):
        rows = np.flatnonzero(ref & (data["label"] == cls))
        for i in rows[np.linspace(0, len(rows) - 1, n).round().astype(int)]:
            p = float(cal_apply(H.head_scores(head, feats["clean"][i:i + 1]), cal)[0])
            out.append({"path": str(data["path"][i]), "label": cls, "score": round(p, 4)})
    return out


def run(cfg: dict, ctx: dict, res: dict) -> dict:
    repo = repo_root()
    out = {"encoder_ms_per_crop": encoder_ms(ctx["data"])}
    shipped = H.load_head(repo / "models" / cfg["model_file"])
    out["spot_check"] = spot_check(ctx["data"], ctx["feats"], ctx["ref"], shipped, res["calibration"]["params"])
    info = repo / "runs" / cfg["name"] / "train_info.json"
    out["train_info"] = json.loads(info.read_text()) if info.exists() else {}
    return out
