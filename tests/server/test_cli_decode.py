"""Decoding fast paths (issue 11) and clear decode errors (issue 10, point 9).

Audio: one ffmpeg call straight to 16 kHz mono float PCM must give the same samples, within a tolerance, as
the former path (decode every channel, average, resample with librosa's soxr_hq), for every format.
Images: an oversized image gets FakeScope's own message at every size, never Pillow's
"decompression bomb" error or warning."""
from __future__ import annotations

import struct
import subprocess
import sys
import warnings
import zlib

import numpy as np
import pytest

from fakescope.server.media import decode
from fakescope.server.media.decode import AUDIO_RATE, DecodeError, ffmpeg_exe, load_audio


def _ff(*args) -> None:
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *args], check=True, timeout=120)


def _former_path(path, channels: int) -> np.ndarray:
    """The decode before the fast path: all channels at the file's own rate, channel mean, soxr_hq."""
    import librosa
    import soundfile as sf

    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception:  # formats libsndfile cannot read: ffmpeg, native rate and channels
        out = subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(path), "-f", "f32le", "-"],
                             capture_output=True, check=True).stdout
        data, rate = np.frombuffer(out, "<f4").reshape(-1, channels), 48000
    mono = data.mean(axis=1)
    return np.clip(librosa.resample(mono, orig_sr=rate, target_sr=AUDIO_RATE, res_type="soxr_hq"), -1, 1)


@pytest.fixture(scope="module")
def sounds(tmp_path_factory):
    d = tmp_path_factory.mktemp("sounds")
    # two different signals left and right, so a wrong down-mix (e.g. (L+R)/sqrt 2) cannot pass
    stereo = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=6", "-f", "lavfi", "-i",
              "anoisesrc=d=6:c=pink:r=44100:a=0.2", "-filter_complex", "[0][1]amerge=inputs=2"]
    _ff(*stereo, "-c:a", "libmp3lame", "-b:a", "128k", str(d / "stereo44.mp3"))
    _ff(*stereo, "-c:a", "pcm_s16le", str(d / "stereo44.wav"))
    _ff("-f", "lavfi", "-i", "sine=frequency=700:sample_rate=22050:duration=5", "-c:a", "libmp3lame",
        str(d / "mono22.mp3"))
    _ff("-f", "lavfi", "-i", "sine=frequency=330:sample_rate=48000:duration=5", "-f", "lavfi", "-i",
        "anoisesrc=d=5:c=white:r=48000:a=0.1", "-filter_complex", "[0][1]amerge=inputs=2", "-c:a", "aac",
        "-b:a", "192k", str(d / "stereo48.m4a"))
    _ff("-f", "lavfi", "-i", "anoisesrc=d=3:c=pink:r=16000:a=0.3", "-c:a", "flac", str(d / "mono16.flac"))
    _ff("-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p",
        str(d / "silent.mp4"))
    return d


@pytest.mark.parametrize("name,channels", [("stereo44.mp3", 2), ("stereo44.wav", 2), ("mono22.mp3", 1),
                                           ("stereo48.m4a", 2)])
def test_fast_audio_decode_equals_the_former_path(sounds, name, channels):
    fast = load_audio(sounds / name)
    ref = _former_path(sounds / name, channels)
    assert fast.dtype == np.float32 and fast.ndim == 1
    assert abs(fast.size - ref.size) <= 2, (fast.size, ref.size)
    n = min(fast.size, ref.size)
    diff = np.abs(fast[:n] - ref[:n])
    assert float(np.sqrt(np.mean(ref[:n] ** 2))) > 0.01  # a real signal, not silence
    assert float(diff.max()) < 1e-4, float(diff.max())


def test_sixteen_khz_lossless_files_are_read_unchanged(sounds):
    import soundfile as sf

    exact, _ = sf.read(str(sounds / "mono16.flac"), dtype="float32")
    assert np.array_equal(load_audio(sounds / "mono16.flac"), np.clip(exact, -1, 1))


def test_max_seconds_and_no_python_resampler(sounds):
    code = ("import sys\nfrom server.media.decode import load_audio\n"
            f"x = load_audio({str(sounds / 'stereo44.mp3')!r}, max_seconds=2.5)\n"
            "print(x.size, 'librosa' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(int(2.5 * AUDIO_RATE)), "False"]


def test_a_file_without_audio_is_a_clear_decode_error(sounds):
    with pytest.raises(DecodeError, match="no decodable audio"):
        load_audio(sounds / "silent.mp4")


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares width x height (pixels are never reached: sizes are checked from the header)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("w,h", [(8100, 8000),      # 64.8 Mpx: above FakeScope's cap, below Pillow's warning
                                 (10000, 10000),    # 100 Mpx: Pillow would warn
                                 (20000, 20000)])   # 400 Mpx: Pillow would raise DecompressionBombError
def test_oversized_images_get_our_own_message_at_every_size(tmp_path, w, h):
    path = tmp_path / f"big{w}.png"
    path.write_bytes(_png_header(w, h))
    for fn in (decode.image_size, decode.load_image):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(DecodeError) as err:
                fn(path)
        message = str(err.value)
        assert message.startswith("the image is too large") and "64,000,000-pixel limit" in message, message
        assert "bomb" not in message.lower() and not caught, (message, [str(c.message) for c in caught])


def test_images_under_the_cap_still_decode(tmp_path):
    from PIL import Image

    Image.new("RGB", (300, 200), (10, 20, 30)).save(tmp_path / "ok.png")
    assert decode.image_size(tmp_path / "ok.png") == (300, 200)
    assert decode.load_image(tmp_path / "ok.png").shape == (200, 300, 3)


def _former_load_image(path) -> np.ndarray:
    from PIL import Image, ImageOps

    with Image.open(path) as im:
        im.seek(0)
        im = ImageOps.exif_transpose(im)
        if im.mode in ("RGBA", "LA", "P"):
            im = im.convert("RGBA")
            im = Image.alpha_composite(Image.new("RGBA", im.size, (255, 255, 255, 255)), im)
        return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()


def test_image_decode_without_extra_copies_gives_identical_pixels(tmp_path):
    # load_image skips exif_transpose's copy when there is no orientation to apply: same pixels, every
    # orientation and mode.
    from PIL import Image

    base = Image.fromarray((np.random.default_rng(0).random((40, 60, 3)) * 255).astype("uint8"))
    paths = []
    for o in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = o
        base.save(tmp_path / f"o{o}.jpg", exif=exif)
        paths.append(tmp_path / f"o{o}.jpg")
    for mode, ext in (("L", "png"), ("P", "png"), ("RGBA", "png"), ("LA", "png"), ("CMYK", "jpg"), ("RGB", "webp")):
        base.convert(mode).save(tmp_path / f"m{mode}.{ext}")
        paths.append(tmp_path / f"m{mode}.{ext}")
    base.save(tmp_path / "anim.gif", save_all=True, append_images=[base.rotate(90)])
    paths.append(tmp_path / "anim.gif")
    for p in paths:
        got = decode.load_image(p)
        assert got.flags.owndata and np.array_equal(got, _former_load_image(p)), p.name
    assert decode.load_image(tmp_path / "o6.jpg").shape == (60, 40, 3)  # rotated by its EXIF tag
