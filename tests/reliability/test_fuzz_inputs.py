"""Property-based fuzzing (hypothesis), bounded in examples (and each test by a pytest timeout): sniffing never raises on any bytes;
the image, audio and video decoders given mutated real files either decode to sane arrays or raise their own
DecodeError, never anything else; the API, given arbitrary bodies, query strings and headers, answers JSON
with a known error code and never a 500."""
from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakescope.server.errors import STATUS
from fakescope.server.media import decode
from fakescope.server.media.sniff import extension_for, sniff_bytes
from reliability_fixtures import ffmpeg, wav

FAST = settings(max_examples=300, deadline=None, database=None)
SLOW = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
MAGIC = [b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\x00\x00\x00\x00WEBP", b"RIFF\x00\x00\x00\x00WAVE",
         b"\x00\x00\x00\x18ftypisom", b"\x00\x00\x00\x18ftypM4A ", b"\x1a\x45\xdf\xa3", b"fLaC", b"OggS", b"ID3",
         b"\xff\xfb", b"<!doctype html>", b"BM", b"II*\x00"]


def _image(fmt: str) -> bytes:
    buf = io.BytesIO()
    arr = (np.random.default_rng(1).random((24, 32, 3)) * 255).astype("uint8")
    from PIL import Image

    Image.fromarray(arr).save(buf, fmt)
    return buf.getvalue()


SEEDS: dict[str, bytes] = {fmt: _image(fmt) for fmt in ("PNG", "JPEG", "GIF", "WEBP")}


@pytest.fixture(scope="module")
def av_seeds(tmp_path_factory) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("seeds")
    tone = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000", "-t", "0.5"]
    video = ["-f", "lavfi", "-i", "testsrc=size=64x48:rate=5", "-t", "1"]
    return {"wav": wav(np.sin(np.arange(8000) / 5.0) * 0.3),
            "mp3": ffmpeg(*tone, "-c:a", "libmp3lame", out=d / "a.mp3"),
            "flac": ffmpeg(*tone, "-c:a", "flac", out=d / "a.flac"),
            "mp4": ffmpeg(*video, "-c:v", "libx264", "-pix_fmt", "yuv420p", out=d / "v.mp4"),
            "webm": ffmpeg(*video, "-c:v", "libvpx", out=d / "v.webm")}


def mutations(seed_bytes: bytes):
    """Truncate, flip bytes, overwrite a span and/or append junk: what broken downloads look like."""
    n = len(seed_bytes)
    return st.tuples(st.integers(0, n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, 255)), max_size=8),
                     st.binary(max_size=64), st.booleans()).map(lambda t: _mutate(seed_bytes, *t))


def _mutate(data: bytes, cut: int, flips, junk: bytes, keep_head: bool) -> bytes:
    out = bytearray(data)
    for pos, x in flips:
        if keep_head and pos < 16:
            continue
        out[pos] ^= x
    return bytes(out[: max(cut, 16 if keep_head else 0)]) + junk


def _write(data: bytes, suffix: str) -> Path:
    f = tempfile.NamedTemporaryFile(suffix=suffix, delete=False)
    f.write(data)
    f.close()
    return Path(f.name)


@FAST
@given(st.one_of(st.binary(max_size=600), st.tuples(st.sampled_from(MAGIC), st.binary(max_size=200)).map(b"".join)))
def test_sniffing_never_raises(head):
    found = sniff_bytes(head)
    if found is not None:
        kind, mime = found
        assert kind in ("image", "video", "audio", "html") and mime.split("/")[0] in ("image", "video", "audio", "text")
        assert extension_for(mime).startswith(".")


@FAST
@given(st.sampled_from(sorted(SEEDS)).flatmap(lambda fmt: mutations(SEEDS[fmt])))
def test_image_decoder_decodes_or_refuses(data):
    path = _write(data, ".img")
    try:
        try:
            w, h = decode.image_size(path)
            img = decode.load_image(path)
        except decode.DecodeError as exc:
            assert str(path) not in str(exc)
            return
        assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3 and w * h <= decode.MAX_IMAGE_PIXELS
    finally:
        path.unlink()


@pytest.mark.slow
@pytest.mark.timeout(240)
@SLOW
@given(data=st.data())
def test_audio_decoder_decodes_or_refuses(av_seeds, data):
    fmt = data.draw(st.sampled_from(["wav", "mp3", "flac"]))
    path = _write(data.draw(mutations(av_seeds[fmt])), "." + fmt)
    try:
        try:
            x = decode.load_audio(path, max_seconds=30)
        except decode.DecodeError:
            return
        assert x.dtype == np.float32 and x.ndim == 1 and x.size > 0 and np.isfinite(x).all()
        assert float(np.abs(x).max()) <= 1.0
    finally:
        path.unlink()


@pytest.mark.slow
@pytest.mark.timeout(240)
@SLOW
@given(data=st.data())
def test_video_probe_decodes_or_refuses(av_seeds, data):
    fmt = data.draw(st.sampled_from(["mp4", "webm"]))
    path = _write(data.draw(mutations(av_seeds[fmt])), "." + fmt)
    try:
        try:
            info = decode.probe_video(path)
        except decode.DecodeError:
            return
        assert info["width"] > 0 and info["height"] > 0 and info["duration"] >= 0
        frames = list(decode.sample_frames(path, max_frames=5))
        assert all(f.ndim == 3 and f.dtype == np.uint8 for _, f in frames)
    finally:
        path.unlink()


# --- the API's request parsing, in process (Flask test client on the real app) ---------------------------
@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from fakescope.server.app import create_app
    from fakescope.server.config import Settings

    root = tmp_path_factory.mktemp("fuzzapp")
    (root / "models").mkdir()
    (root / "models" / "manifest.json").write_text('{"schema": 1, "models": {}}')
    settings_ = Settings(models_dir=root / "models", data_dir=root / "data", workers=1, queue_size=4, port=8765,
                         connect_timeout=0.5, read_timeout=0.5, download_deadline=2, long_poll_max=0.2)
    app = create_app(settings_)
    yield app.test_client()
    app.extensions["fakescope"].close()


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
                       lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                                  max_size=4), max_leaves=12)
URLS = st.one_of(st.text(max_size=40), st.sampled_from([
    "http://127.0.0.1/a.jpg", "http://10.0.0.1/", "http://[::1]/", "http://169.254.169.254/", "http://0/",
    "ftp://x/y", "http://", "http://[::1", "http://10.0.0.1:99999/", "javascript:alert(1)", "file:///etc/passwd",
    "http://localhost/" + "a" * 9000]))
BODIES = st.one_of(JSONISH, st.fixed_dictionaries({}, optional={
    "url": st.one_of(URLS, JSONISH), "page_url": st.one_of(URLS, JSONISH),
    "kind": st.one_of(st.sampled_from(["image", "video", "audio", "auto", "IMAGE", ""]), JSONISH),
    "check_id": st.one_of(st.text(max_size=20), JSONISH), "label": st.sampled_from(["fake", "real", "x", None]),
    "comment": st.one_of(st.text(max_size=30), st.integers())}))
PATHS = st.sampled_from(["/api/v1/checks", "/api/v1/feedback", "/api/v1/checks/{t}", "/api/v1/health",
                         "/api/v1/models/{t}/card", "/api/v1/{t}", "/{t}"])
HEADERS = st.fixed_dictionaries({}, optional={
    "Origin": st.one_of(st.sampled_from(["chrome-extension://abc", "http://evil.test", "null"]), st.text(max_size=20)),
    "Host": st.sampled_from(["127.0.0.1:8765", "localhost:8765", "evil.test:8765", "127.0.0.1", "", "[::1]:8765"]),
    "X-FakeScope-Client": st.just("fuzz"),
    "Sec-Fetch-Mode": st.sampled_from(["no-cors", "cors", "navigate"]),
    "Sec-Fetch-Site": st.sampled_from(["cross-site", "same-site", "none"])})


def _assert_answer(resp):
    assert resp.status_code < 500, (resp.status_code, resp.data[:300])
    if resp.status_code >= 400 and resp.status_code != 405:
        body = resp.get_json()
        assert body["error"]["code"] in STATUS and body["error"]["message"], body


@pytest.mark.timeout(240)
@settings(max_examples=250, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(["GET", "POST", "DELETE", "PUT", "OPTIONS"]), path=PATHS, tail=st.text(max_size=20),
       body=BODIES, query=st.dictionaries(st.sampled_from(["limit", "offset", "wait", "stage", "x"]),
                                          st.text(max_size=12), max_size=3),
       ctype=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded", None]),
       headers=HEADERS)
def test_api_answers_every_request_cleanly(client, method, path, tail, body, query, ctype, headers):
    from urllib.parse import quote

    kw = {"query_string": query, "headers": {k: v for k, v in headers.items() if k != "Host"}}
    if "Host" in headers:
        kw["base_url"] = f"http://{headers['Host'] or 'x'}"
    if method in ("POST", "PUT"):
        kw["data"] = json.dumps(body)
        if ctype:
            kw["content_type"] = ctype
    try:
        resp = client.open(path.format(t=quote(tail, safe="")), method=method, **kw)
    except ValueError:  # werkzeug refuses to build the request itself (e.g. an invalid host): not the server
        return
    _assert_answer(resp)


@pytest.mark.timeout(240)
@settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(["media", "file", ""]), data=st.one_of(st.binary(max_size=300), st.tuples(
       st.sampled_from(MAGIC), st.binary(max_size=300)).map(b"".join)), kind=st.one_of(st.none(), st.text(max_size=8)),
       filename=st.text(max_size=300))
def test_api_upload_parsing(client, field, data, kind, filename):
    form = {field: (io.BytesIO(data), filename or "x")} if field else {}
    if kind is not None:
        form["kind"] = kind
    resp = client.post("/api/v1/checks", data=form, content_type="multipart/form-data",
                       headers={"X-FakeScope-Client": "fuzz"})
    _assert_answer(resp)
    if resp.status_code == 202:
        assert resp.get_json()["source"]["filename"] is None or len(resp.get_json()["source"]["filename"]) <= 255
