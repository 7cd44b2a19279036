"""Decoders: bytes on disk -> arrays. Training imports these too, so training and serving see identical
pixels and samples (one path from bytes to tensor)."""
from __future__ import annotations

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


def image_size(path: str | Path) -> tuple[int, int]:
    """(width, height) from the header only, without decoding pixels. Raises DecodeError."""
    from PIL import Image

    _require_bytes(path, "image")
    try:
        with Image.open(path) as im:
            return im.size
    except Exception as exc:
        raise DecodeError(f"not a decodable image: {exc}") from exc


def load_image(path: str | Path, max_pixels: int = MAX_IMAGE_PIXELS) -> np.ndarray:
    """Decode an image file to an RGB uint8 array (H, W, 3), EXIF orientation applied.

    Animated images give their first frame. Raises DecodeError for corrupt, truncated or oversized files.
    """
    from PIL import Image, ImageOps

    _require_bytes(path, "image")
    try:
        with Image.open(path) as im:
            w, h = im.size
            if w * h > max_pixels:
                raise DecodeError(f"image is {w}x{h}, above the {max_pixels:,}-pixel limit")
            im.seek(0)
            im = ImageOps.exif_transpose(im)
            if im.mode in ("RGBA", "LA", "P"):
                im = im.convert("RGBA")
                bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
                im = Image.alpha_composite(bg, im)
            return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()
    except DecodeError:
        raise
    except Exception as exc:  # PIL raises many types for bad data
        raise DecodeError(f"not a decodable image: {exc}") from exc


def load_audio(path: str | Path, sr: int = AUDIO_RATE, max_seconds: float | None = None) -> np.ndarray:
    """Decode any audio (or a video's audio track) to float32 mono at `sr` Hz in [-1, 1].

    Lossless formats go through libsndfile; everything else (mp3, m4a, opus, webm, mp4) through ffmpeg,
    which also resamples. Raises DecodeError when there is no decodable audio.
    """
    path = Path(path)
    _require_bytes(path, "audio")
    data = None
    try:
        import soundfile as sf

        with sf.SoundFile(str(path)) as f:
            frames = -1 if max_seconds is None else int(max_seconds * f.samplerate)
            data = f.read(frames=frames, dtype="float32", always_2d=True)
            file_sr = f.samplerate
        data = data.mean(axis=1)
        if file_sr != sr:
            import librosa

            data = librosa.resample(data, orig_sr=file_sr, target_sr=sr, res_type="soxr_hq")
    except Exception:
        data = _ffmpeg_audio(path, sr, max_seconds)
    data = np.asarray(data, dtype=np.float32)
    if data.size == 0:
        raise DecodeError("no audio samples")
    return np.clip(data, -1.0, 1.0)


def _ffmpeg_audio(path: Path, sr: int, max_seconds: float | None) -> np.ndarray:
    cmd = [ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(path), "-vn", "-ac", "1", "-ar", str(sr)]
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
