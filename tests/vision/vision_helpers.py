"""Helpers for the vision tests (a plain module: tests/ is not a package)."""
from __future__ import annotations

import subprocess
from pathlib import Path

from fakescope.server.media.decode import ffmpeg_exe


def make_clip(out: Path, *, image: Path | None = None, seconds: float = 3.0, size: str = "320x240",
              fps: int = 25) -> Path:
    """Encode a short H.264 clip with the bundled ffmpeg: a still image (looped, padded to `size`) or,
    without an image, the synthetic test pattern (no face)."""
    w, h = size.split("x")
    if image is not None:
        src = ["-loop", "1", "-i", str(image), "-vf",
               f"scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2"]
    else:
        src = ["-f", "lavfi", "-i", f"testsrc=size={size}:rate={fps}"]
    cmd = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *src, "-t", str(seconds), "-r", str(fps),
           "-c:v", "libx264", "-pix_fmt", "yuv420p", str(out)]
    subprocess.run(cmd, check=True, timeout=120)
    return out


def load_detector(cls, models, man):
    from fakescope.server import modelstore

    entry = man[cls.model_key] if cls.model_key else {}
    model = modelstore.load_model(models, cls.model_key, entry) if cls.model_key else None
    extra = {k: modelstore.load_model(models, k, man[k]) for k in cls.extra_models}
    return cls(model, entry, extra)
