"""How the server runs the speech model, and how fast: bench/audio_speed.py (60 s of speech) in a fresh
process, as a user runs it (this process's BLAS thread pools, still spinning after the fits, would otherwise
compete with the encoder). Skipped in smoke runs."""
from __future__ import annotations

import json
import subprocess
import sys

from fakescope.training.config import repo_root


def run(cfg: dict, ctx, res: dict, runs: int = 7) -> dict:
    root = repo_root()
    out = subprocess.run([sys.executable, str(root / "bench" / "audio_speed.py"), "--runs", str(runs)],
                         capture_output=True, text=True, check=True, timeout=600).stdout
    return json.loads(out[out.index("{"):])


def sections(cfg: dict, res: dict) -> list:
    sp = res["speed"]
    return [("Serving", f"""
`server/detectors/audio_speech.py`: decode to 16 kHz mono; windows of 4 s every {cfg['serving']['hop_s']} s over the
part with energy; speech gate per window; fake/real head on the speech windows; raw window probabilities
averaged, then calibrated and banded; per-window scores in `regions.segments`.
Speed (bench/audio_speed.py, 60 s of speech, median of {sp['runs']}): **{sp['median_s']:.3f} s** (target ≤ 1 s;
fastest run {sp['min_s']:.3f} s; measured with a 1-minute load average of {sp.get('load_average_1min')} on
{sp.get('cpus')} shared cores, vector extensions {', '.join(sp.get('vector_isa') or ['–'])}: 4 s windows every 2 s, 8 windows per
encoder call; per window the 2-layer encoder takes about 11-13 ms on an idle core pair with VNNI, the whole one
about 20 ms, and 2-4x that with AVX2 alone).""")]
