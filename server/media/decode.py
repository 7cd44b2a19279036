"""Decoders: bytes on disk -> arrays. Training imports these too, so training and serving see identical
pixels and samples (one path from bytes to tensor)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Iterator

import numpy as np

AUDIO_RATE = 16000          # every audio model works on 16 kHz mono
MAX_IMAGE_PIXELS = 64_000_000  # decompression-bomb cap; larger images are refused, not resized


class DecodeError(ValueError):
    """The file could not be decoded as the media kind it claims to be."""


def ffmpeg_exe() -> str:
    """The ffmpeg binary shipped in the imageio-ffmpeg wheel (no system ffmpeg needed)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _require_bytes(path: str | Path, what: str) -> None:
    """Zero-byte and missing files get a clear message instead of a decoder's cryptic one."""
    try:
        size = Path(path).stat().st_size
    except OSError as exc:
        raise DecodeError(f"cannot read the {what} file: {exc.strerror or exc}") from exc
    if size == 0:
        raise DecodeError(f"the {what} file is empty (0 bytes)")


def _open_image(path: str | Path, max_pixels: int):
    """Open an image lazily (header only) and refuse it above `max_pixels` with our own message, for every
    size: Pillow's decompression-bomb warning (above 89 Mpx) is silenced and its error (above 178 Mpx)
    replaced, so a user never sees "could be decompression bomb DOS attack"."""
    import warnings

    from PIL import Image

    _require_bytes(path, "image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(path)
    except Image.DecompressionBombError as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = f"{int(found.group(1)):,} pixels" if found else "too many pixels"
        raise DecodeError(f"the image is too large: {pixels}, above the {max_pixels:,}-pixel limit") from None
    except Exception as exc:  # PIL raises many types for bad data
        raise DecodeError(f"not a decodable image: {_without_path(exc, path)}") from exc
    w, h = im.size
    if w * h > max_pixels:
        im.close()
        raise DecodeError(f"the image is too large: {w}x{h} = {w * h:,} pixels, above the {max_pixels:,}-pixel "
                          "limit")
    return im


def _without_path(exc: Exception, path: str | Path) -> str:
    """A decoder's message without the server's temp path in it (Pillow names the file it could not read)."""
    return str(exc).replace(f"'{path}'", "the file").replace(str(path), "the file")


def image_size(path: str | Path, max_pixels: int = MAX_IMAGE_PIXELS) -> tuple[int, int]:
    """(width, height) from the header only, without decoding pixels. Raises DecodeError (also for images
    above `max_pixels`)."""
    with _open_image(path, max_pixels) as im:
        return im.size


def load_image(path: str | Path, max_pixels: int = MAX_IMAGE_PIXELS) -> np.ndarray:
    """Decode an image file to an RGB uint8 array (H, W, 3), EXIF orientation applied.

    Animated images give their first frame. Raises DecodeError for corrupt, truncated or oversized files.
    """
    import warnings

    from PIL import Image, ImageOps

    with _open_image(path, max_pixels) as im:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                im.seek(0)
                if im.getexif().get(0x0112, 1) != 1:  # an EXIF orientation to apply (else: no copy)
                    im = ImageOps.exif_transpose(im)
                if im.mode in ("RGBA", "LA", "P"):
                    im = im.convert("RGBA")
                    bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
                    im = Image.alpha_composite(bg, im)
                if im.mode != "RGB":
                    im = im.convert("RGB")
                im.load()
                return np.array(im, dtype=np.uint8)  # one copy, owned by the caller
        except Exception as exc:  # PIL raises many types for bad data
            raise DecodeError(f"not a decodable image: {exc}") from exc


def load_audio(path: str | Path, sr: int = AUDIO_RATE, max_seconds: float | None = None) -> np.ndarray:
    """Decode any audio (or a video's audio track) to float32 mono at `sr` Hz in [-1, 1].

    Files already at `sr` that libsndfile reads (the training data: 16 kHz FLAC/WAV) are read directly.
    Everything else (mp3, m4a, opus, webm, mp4, WAV at another rate) goes through ONE ffmpeg call that
    decodes, averages the channels and resamples with soxr at the precision of librosa's "soxr_hq", straight
    to float PCM: no Python resampler, no librosa import (numerically the same as the former
    soundfile + librosa.resample path, see tests/server/test_cli_decode.py). Raises DecodeError when there
    is no decodable audio."""
    path = Path(path)
    _require_bytes(path, "audio")
    data = None
    try:
        import soundfile as sf

        with sf.SoundFile(str(path)) as f:
            if f.samplerate == sr:
                frames = -1 if max_seconds is None else int(max_seconds * f.samplerate)
                data = f.read(frames=frames, dtype="float32", always_2d=True).mean(axis=1)
    except Exception:  # noqa: BLE001 - not a libsndfile format: ffmpeg below decides
        data = None
    if data is None:
        data = _ffmpeg_audio(path, sr, max_seconds)
    data = np.asarray(data, dtype=np.float32)
    if data.size == 0:
        raise DecodeError("no audio samples")
    return np.clip(data, -1.0, 1.0)


# soxr at 20-bit precision is librosa's "soxr_hq"; rematrix_maxval=1 normalises the down-mix so stereo
# becomes (L + R) / 2, the channel mean (ffmpeg's default -ac 1 gives (L + R) / sqrt(2)).
_RESAMPLE = "aresample=osr={sr}:ochl=mono:resampler=soxr:precision=20:rematrix_maxval=1"


def _ffmpeg_audio(path: Path, sr: int, max_seconds: float | None) -> np.ndarray:
    cmd = [ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0", "-vn", "-sn", "-dn",
           "-af", _RESAMPLE.format(sr=sr)]
    if max_seconds is not None:
        cmd += ["-t", f"{max_seconds:.3f}"]
    cmd += ["-f", "f32le", "-"]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=300)
    except subprocess.TimeoutExpired as exc:
        raise DecodeError("audio decoding timed out") from exc
    if proc.returncode != 0 or not proc.stdout:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DecodeError(f"no decodable audio: {msg[-1] if msg else 'ffmpeg failed'}")
    return np.frombuffer(proc.stdout, dtype="<f4").copy()


def probe_video(path: str | Path) -> dict:
    """Width, height, fps, frame count and duration of a video (OpenCV). Raises DecodeError if unreadable."""
    import cv2

    _require_bytes(path, "video")
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise DecodeError("not a decodable video")
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        ok, _ = cap.read()
        if not ok or w <= 0 or h <= 0:
            raise DecodeError("video has no decodable frames")
        duration = frames / fps if fps > 0 and frames > 0 else 0.0
        return {"width": w, "height": h, "fps": round(fps, 3), "frames": frames, "duration": round(duration, 3)}
    finally:
        cap.release()


def extract_audio(path: str | Path, out_wav: str | Path, sr: int = AUDIO_RATE,
                  max_seconds: float | None = None, timeout: float = 300) -> bool:
    """Write a video's audio track as 16-bit mono WAV at `sr` Hz. False when the file has no audio stream
    (so the audio detector can say "not applicable" instead of failing)."""
    cmd = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-i", str(path), "-map", "0:a:0?", "-vn",
           "-ac", "1", "-ar", str(sr), "-c:a", "pcm_s16le"]
    if max_seconds is not None:
        cmd += ["-t", f"{max_seconds:.3f}"]
    cmd += ["-f", "wav", str(out_wav)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise DecodeError("audio extraction timed out") from exc
    out = Path(out_wav)
    # With "0:a:0?" a missing audio stream is not an error: ffmpeg writes nothing (or a header only).
    if proc.returncode != 0 or not out.exists() or out.stat().st_size <= 44:
        out.unlink(missing_ok=True)
        return False
    return True


def sample_frames(path: str | Path, every_seconds: float = 1.0, max_frames: int = 120,
                  ) -> Iterator[tuple[float, np.ndarray]]:
    """Yield (timestamp_s, RGB uint8 frame) about every `every_seconds`, at most `max_frames` frames.

    Only the sampled frames are decoded: short gaps are skipped with grab() (no pixel conversion), long
    gaps with a seek. If the video is longer than max_frames * every_seconds the step grows so the samples
    still cover the whole clip.
    """
    import cv2

    info = probe_video(path)
    fps = info["fps"] or 25.0
    total = info["frames"]
    duration = info["duration"] or (total / fps if total else 0.0)
    step_s = every_seconds
    if duration and duration / step_s > max_frames:
        step_s = duration / max_frames
    step = max(1, int(round(step_s * fps)))
    cap = cv2.VideoCapture(str(path))
    try:
        idx, yielded = 0, 0
        while yielded < max_frames:
            ok, frame = cap.read()
            if not ok:
                break
            yield idx / fps, cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            yielded += 1
            target = idx + step
            if step > 2 * fps:  # long gap: seeking is cheaper than grabbing every frame
                cap.set(cv2.CAP_PROP_POS_FRAMES, target)
            else:
                for _ in range(step - 1):
                    if not cap.grab():
                        return
            idx = target
    finally:
        cap.release()
