"""Inputs for bench/run_all.py, generated on the spot (ffmpeg from imageio-ffmpeg, Pillow) or taken from
../shared/datasets (faces, backgrounds, speech). Never written into the repository.

- photos: 1024x768 JPEGs (q90), each one face (an FFHQ photo, 300 px) on a different scene photo, all
  distinct bytes so the server's content-hash cache never answers;
- clip: 60 s 1280x720 30 fps H.264 (x264 veryfast, 2 s GOP as on the web) with a face moving over a test
  pattern, and a speech soundtrack (AAC 128 kb/s);
- speech: 60 s of LibriSpeech speech, 16 kHz mono WAV;
- mp3: 46 s of the same speech as 44.1 kHz stereo MP3 (128 kb/s), the typical podcast/download format.
Variants (`variant(path, i)`) change a metadata tag or one sample so each run is a cache miss with the
same decode cost."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("FAKESCOPE_SHARED", REPO.parent / "shared")) / "datasets"


def ffmpeg(*args: str) -> None:
    from fakescope.server.media.decode import ffmpeg_exe

    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *args], check=True, timeout=900)


def _faces() -> list[Path]:
    faces = sorted((SHARED / "images/real/ffhq").glob("*.jpg"))
    return faces or sorted((SHARED / "images/real/smoke").glob("*.jpg"))


def _scenes() -> list[Path]:
    return sorted((SHARED / "images/real/kurlyto_aiornot").glob("*.jpg"))


def _synthetic_face(rng) -> Image.Image:
    """Fallback without ../shared: a drawn face-like blob (speed only; detectors may find no face)."""
    img = Image.new("RGB", (256, 256), tuple(int(v) for v in rng.integers(60, 200, 3)))
    d = ImageDraw.Draw(img)
    d.ellipse((48, 28, 208, 228), fill=(224, 172, 140))
    for x in (98, 158):
        d.ellipse((x - 12, 100, x + 12, 116), fill=(40, 30, 30))
    d.arc((96, 150, 160, 190), 20, 160, fill=(120, 40, 40), width=5)
    return img


def photo(i: int, size=(1024, 768)) -> bytes:
    """The i-th distinct test photo: one face on a scene, JPEG q90."""
    rng = np.random.default_rng(1000 + i)
    faces, scenes = _faces(), _scenes()
    if scenes:
        bg = Image.open(scenes[i % len(scenes)]).convert("RGB").resize(size, Image.Resampling.BICUBIC)
    else:
        arr = rng.random((size[1] // 8, size[0] // 8, 3)) * 255
        bg = Image.fromarray(arr.astype("uint8")).resize(size, Image.Resampling.BICUBIC).filter(ImageFilter.BLUR)
    face = Image.open(faces[i % len(faces)]).convert("RGB") if faces else _synthetic_face(rng)
    face = face.resize((300, 300), Image.Resampling.BICUBIC)
    x, y = int(rng.integers(80, size[0] - 380)), int(rng.integers(60, size[1] - 360))
    bg.paste(face, (x, y))
    buf = io.BytesIO()
    bg.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def speech_wave(seconds: float) -> np.ndarray:
    """Real speech (LibriSpeech clips from ../shared, concatenated), or a voiced synthetic tone without it."""
    need = int(seconds * 16000)
    clips = sorted((SHARED / "audio/real/librispeech_resemblyzer").glob("*.flac"))[:40]
    if clips:
        from fakescope.server.media.decode import load_audio

        x = np.concatenate([load_audio(c) for c in clips])
    else:
        t = np.arange(need) / 16000
        x = (0.3 * np.sin(2 * np.pi * 140 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)
    return np.tile(x, int(np.ceil(need / len(x))))[:need].astype(np.float32)


def write_wav(path: Path, x: np.ndarray, rate: int = 16000) -> Path:
    import soundfile

    soundfile.write(str(path), np.clip(x, -1, 1), rate, subtype="PCM_16")
    return path


def make_all(out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    speech = write_wav(out / "speech60.wav", speech_wave(60))
    ffmpeg("-i", str(speech), "-t", "46", "-ar", "44100", "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k",
           str(out / "speech46.mp3"))
    face = out / "face.jpg"
    faces = _faces()
    (Image.open(faces[0]).convert("RGB") if faces else _synthetic_face(np.random.default_rng(0))).save(face)
    clip = out / "clip720.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=1280x720:rate=30", "-loop", "1", "-i", str(face), "-i", str(speech),
           "-filter_complex", "[1]scale=300:-1[f];[0][f]overlay=x='400+200*sin(t/3)':y='200+60*cos(t/2)'[v]",
           "-map", "[v]", "-map", "2:a", "-t", "60", "-c:v", "libx264", "-preset", "veryfast", "-g", "60",
           "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-shortest", str(clip))
    return {"speech": speech, "mp3": out / "speech46.mp3", "clip": clip, "face": face}


def variant(path: Path, i: int, out_dir: Path) -> Path:
    """Same media, different bytes (a cache miss with the same decode cost)."""
    out = out_dir / f"{path.stem}-v{i}{path.suffix}"
    if path.suffix == ".wav":
        with wave.open(str(path), "rb") as r:
            params, frames = r.getparams(), bytearray(r.readframes(r.getnframes()))
        frames[0] = (frames[0] + i + 1) % 256  # one sample's lowest bits
        with wave.open(str(out), "wb") as w:
            w.setparams(params)
            w.writeframes(bytes(frames))
    else:
        ffmpeg("-i", str(path), "-map", "0", "-c", "copy", "-metadata", f"comment=bench run {i}", str(out))
    return out
