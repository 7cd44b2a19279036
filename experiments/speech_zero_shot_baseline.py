"""How the SHIPPED speech detector ranks the recent zero-shot / codec-LM / flow TTS collections that were added
to ../shared/datasets/audio on 2026-12-05 (22 demo pages, each fake beside the real prompt it clones; none of
them is in the shipped model's training data): one row per page with both classes, the pooled AUC, and the
share of reals called likely manipulated / fakes called likely authentic.

Scores go through the serving path (server.detectors.audio_speech on each file, as an upload is scored).

    python experiments/speech_zero_shot_baseline.py            # prints the table, writes the .md beside it
"""
from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np

from fakescope.server import modelstore
from fakescope.server.detectors.audio_speech import AudioSpeechDetector
from fakescope.server.detectors.base import Context
from fakescope.server.media.types import Media
from fakescope.training.config import repo_root, shared_dir
from fakescope.training.evaluation.metrics import roc_auc

SOURCES = ("voicecraft_demo", "ssrspeech_demo", "voicestar_repo", "seedtts_demo", "maskgct_demo", "indextts_demo",
           "kalle_demo", "clamtts_demo", "dittotts_demo", "e3tts_demo", "ralle_demo", "mqtts_demo", "pheme_demo",
           "simplespeech_demo", "simplespeech2_demo", "koeltts_demo", "mobilespeech_demo", "matchatts_demo",
           "voiceldm_demo", "instructtts_demo", "codecfake_demo", "sparktts_repo")


def _share(verdicts: np.ndarray, verdict: str) -> str:
    return f"{np.mean(verdicts == verdict):.0%}" if len(verdicts) else "–"


def main() -> None:
    audio = shared_dir() / "datasets" / "audio"
    models = repo_root() / "models"
    man = modelstore.read_manifest(models)
    entry = man["audio_speech"]
    det = AudioSpeechDetector(model=modelstore.load_model(models, "audio_speech", entry), entry=entry)
    rows = [r for r in csv.DictReader(open(audio / "MANIFEST.csv")) if r["source"] in SOURCES]
    by = defaultdict(lambda: {"y": [], "p": [], "verdict": []})
    for r in rows:
        path = audio / r["path"]
        res = det.predict(Media(kind="audio", path=path, sha256=r["sha256"], size_bytes=path.stat().st_size), Context())
        if res["score"] is None:
            continue
        by[r["source"]]["y"].append(int(r["label"] == "fake"))
        by[r["source"]]["p"].append(res["score"])
        by[r["source"]]["verdict"].append(res["verdict"])
    lines = ["| collection | real | fake | AUC | reals called likely manipulated | fakes called likely authentic |",
             "|---|---:|---:|---:|---:|---:|"]
    aucs, ys, ps = [], [], []
    for src in SOURCES:
        d = by.get(src)
        if not d:
            continue
        y, p, v = np.array(d["y"]), np.array(d["p"]), np.array(d["verdict"])
        ys.extend(y.tolist())
        ps.extend(p.tolist())
        both = 0 < y.sum() < len(y)
        auc = roc_auc(y, p) if both else None
        if both:
            aucs.append(auc)
        lines.append(f"| {src} | {int((y == 0).sum())} | {int(y.sum())} | {'' if auc is None else f'{auc:.3f}'} | "
                     f"{_share(v[y == 0], 'likely_fake')} | {_share(v[y == 1], 'likely_real')} |")
    y, p = np.array(ys), np.array(ps)
    summary = (f"{entry['version']} on {len(y)} clips of {len(by)} pages: mean AUC over the {len(aucs)} pages with both "
               f"classes {np.mean(aucs):.3f} (worst {np.min(aucs):.3f}); pooled AUC {roc_auc(y, p):.3f}.")
    text = "\n".join(["# Shipped speech detector on the 2026-12-05 zero-shot collections", "",
                      "_Written by `python experiments/speech_zero_shot_baseline.py`._", "", summary, "", *lines, ""])
    Path(__file__).with_suffix(".md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
