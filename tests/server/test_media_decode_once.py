"""A check decodes its media once: acquisition validates by decoding, detectors reuse the memo."""
from __future__ import annotations

import numpy as np
import soundfile as sf
from PIL import Image

from fakescope.server.media import decode
from fakescope.server.media.types import Media


def test_image_is_decoded_once_and_shared(tmp_path, monkeypatch):
    path = tmp_path / "a.png"
    Image.new("RGB", (32, 24), (10, 200, 30)).save(path)
    calls = []
    real = decode.load_image
    monkeypatch.setattr(decode, "load_image", lambda p, *a, **k: calls.append(p) or real(p, *a, **k))
    media = Media(kind="image", path=path, sha256="0", size_bytes=path.stat().st_size)
    first, second = media.image(), media.image()
    assert first is second and first.shape == (24, 32, 3) and len(calls) == 1


def test_audio_memo_slices_shorter_requests_and_redecodes_longer_ones(tmp_path, monkeypatch):
    path = tmp_path / "tone.wav"
    t = np.arange(3 * decode.AUDIO_RATE) / decode.AUDIO_RATE
    sf.write(path, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), decode.AUDIO_RATE)
    calls = []
    real = decode.load_audio
    monkeypatch.setattr(decode, "load_audio", lambda p, *a, **k: calls.append(k.get("max_seconds")) or real(p, *a, **k))
    media = Media(kind="audio", path=path, sha256="0", size_bytes=path.stat().st_size)
    assert media.audio(2.0).size == 2 * decode.AUDIO_RATE
    assert media.audio(1.0).size == decode.AUDIO_RATE and len(calls) == 1       # sliced from the memo
    assert media.audio(10.0).size == 3 * decode.AUDIO_RATE and len(calls) == 2  # the memo was truncated
    assert media.audio(5.0).size == 3 * decode.AUDIO_RATE and len(calls) == 2   # whole file already decoded
