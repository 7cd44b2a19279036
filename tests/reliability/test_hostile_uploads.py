"""Hostile uploads against a real server: zero-byte, truncated and corrupt files of every accepted format,
decompression bombs, thousands of GIF frames, SVG, text and HTML posing as media, lying headers, odd audio.
Every case ends cleanly (a 4xx JSON refusal, a failed check with a clear code, or a well-formed result), the
server stays healthy, an ordinary check running beside them is undisturbed, and no temp file is left."""
from __future__ import annotations

import pytest
import requests

from reliability_fixtures import EXTRA_CASES, FORMAT_CASES, Bystander, assert_clean_outcome, assert_unharmed

# What specific cases must end as (beyond "clean"): (HTTP status or "failed"/"done", error code or None).
EXPECTED = {
    "jpeg-claims-60000x60000": ("failed", "decode_failed"), "png-claims-60000x60000": ("failed", "decode_failed"),
    "png-bomb-30000x30000": ("failed", "decode_failed"), "gif-3000-frames": ("done", None),
    "svg": (415, "unsupported_media"), "text-as-jpeg": (415, "unsupported_media"),
    "html-error-page": (415, "unsupported_media"), "audio-3-hours": ("failed", "too_large"),
    "audio-silence": ("done", None), "audio-pure-tone": ("done", None), "audio-noise": ("done", None),
    **{f"{fmt}-zero-byte": (400, "bad_request") for fmt in
       ("jpeg", "png", "webp", "gif", "mp4", "webm", "mov", "wav", "mp3", "flac", "ogg", "m4a")},
}


@pytest.fixture(scope="module")
def bystander(rel_server):
    with Bystander(rel_server) as b:
        yield b


def test_the_case_list_is_complete(hostile_files):
    assert set(hostile_files) == set(FORMAT_CASES) | set(EXTRA_CASES)
    assert len(hostile_files) >= 40


@pytest.mark.slow
@pytest.mark.parametrize("case", FORMAT_CASES + EXTRA_CASES)
def test_hostile_upload_ends_cleanly(rel_server, hostile_files, bystander, case):
    name, data, kind = hostile_files[case]
    resp = rel_server.upload(data, name=name, kind=kind)
    body = assert_clean_outcome(rel_server, resp, case)
    if case in EXPECTED:
        want_status, want_code = EXPECTED[case]
        got_status = resp.status_code if resp.status_code != 202 else body["status"]
        got_code = (body.get("error") or {}).get("code")
        assert (got_status, got_code) == (want_status, want_code), (case, body)
    error = body.get("error") or {}
    assert "/tmp" not in error.get("message", "") and "fakescope-check" not in error.get("message", ""), error
    if error.get("code") == "decode_failed":  # the message names what the file was taken for
        assert f"cannot decode this {kind}" in error["message"], (case, error)
    if "claims" in case and kind == "image" or "bomb" in case:
        message = body["error"]["message"]
        assert "too large" in message and "pixel" in message, message
        assert "decompression" not in message.lower() and "DOS" not in message, message  # no Pillow wording
    if case == "audio-3-hours":
        assert body["error"]["limit_seconds"] > 0
    if case == "gif-3000-frames":
        assert body["result"]["media"]["width"] == 32  # the first frame, not thousands
    assert requests.get(rel_server.url + "/api/v1/health", timeout=10).json()["status"] == "ok"


@pytest.mark.slow
def test_after_the_hostile_uploads(rel_server, bystander):
    """Runs last in this module."""
    assert_unharmed(rel_server, bystander)
