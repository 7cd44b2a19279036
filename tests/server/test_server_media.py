"""Acquisition through a real server: downloads from a local HTTP server, yt-dlp on a local page, redirects,
caps, timeouts, corrupt and zero-byte files of each kind, and temp-file cleanup on every path."""
from __future__ import annotations

import pytest
import requests

from server_fixtures import IMAGE_CAP


def check_url(server, url, kind="auto", **extra):
    r = server.post_json({"url": url, "kind": kind, **extra})
    assert r.status_code == 202, r.text
    return server.wait(r.json()["id"])


def test_image_url_is_downloaded_and_scored(server, media_server):
    body = check_url(server, media_server + "/noise.png", kind="image")
    assert body["status"] == "done", body
    res = body["result"]
    assert res["media"]["mime"] == "image/png" and res["timings"]["download"] > 0
    assert body["source"]["url"].endswith("/noise.png") and body["kind"] == "image"


def test_redirect_is_followed(server, media_server):
    body = check_url(server, media_server + "/redirect/noise.jpg")
    assert body["status"] == "done" and body["result"]["media"]["mime"] == "image/jpeg"


def test_video_url_gets_its_audio_track_extracted(server, media_server):
    body = check_url(server, media_server + "/clip.mp4")
    assert body["status"] == "done", body
    media = body["result"]["media"]
    assert media["kind"] == "video" and media["has_audio"] is True and 1.5 <= media["duration"] <= 2.5
    loud = next(d for d in body["result"]["detectors"] if d["detector"] == "test_loudness")
    assert loud["applicable"] and loud["score"] > 0.1  # a sine tone, not silence


def test_video_without_audio_is_not_applicable_for_audio(server, media_server):
    body = check_url(server, media_server + "/silent.mp4")
    assert body["status"] == "done"
    assert body["result"]["media"]["has_audio"] is False
    loud = next(d for d in body["result"]["detectors"] if d["detector"] == "test_loudness")
    assert loud["verdict"] == "not_applicable" and loud["reason"] == "no audio track"


@pytest.mark.parametrize("name,mime", [("tone.wav", "audio/wav"), ("tone.mp3", "audio/mpeg")])
def test_audio_urls(server, media_server, name, mime):
    body = check_url(server, f"{media_server}/{name}")
    assert body["status"] == "done", body
    assert body["result"]["media"]["mime"] == mime and 1.3 < body["result"]["media"]["duration"] < 1.8


def test_video_file_checked_as_audio(server, media_server):
    body = check_url(server, media_server + "/clip.mp4", kind="audio")
    assert body["status"] == "done" and body["result"]["media"]["kind"] == "audio"


def test_html_page_goes_through_ytdlp(server, media_server):
    body = check_url(server, media_server + "/page.html")
    assert body["status"] == "done", body
    assert body["result"]["media"]["kind"] == "video" and body["result"]["media"]["has_audio"] is True
    only_page = server.post_json({"page_url": media_server + "/page.html"})
    assert server.wait(only_page.json()["id"])["status"] == "done"


def test_redirect_to_link_local_is_refused(server, media_server):
    body = check_url(server, media_server + "/to-metadata")
    assert body["status"] == "failed" and body["error"]["code"] == "forbidden_address"


def test_redirect_loop_is_capped(server, media_server):
    body = check_url(server, media_server + "/loop")
    assert body["status"] == "failed" and body["error"]["code"] == "download_failed"


def test_upstream_error_status_is_reported(server, media_server):
    body = check_url(server, media_server + "/missing.jpg")
    assert body["error"]["code"] == "download_failed" and body["error"]["upstream_status"] == 404


def test_oversize_download_and_upload(server, media_server, media_dir):
    body = check_url(server, media_server + "/big.png", kind="image")
    assert body["status"] == "failed" and body["error"]["code"] == "too_large"
    assert body["error"]["limit_bytes"] == IMAGE_CAP
    r = server.upload((media_dir / "big.png").read_bytes(), name="big.png")
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"


def test_slow_server_times_out(server, media_server):
    body = check_url(server, media_server + "/slow")
    assert body["status"] == "failed" and body["error"]["code"] == "timeout"


def test_kind_mismatch_is_refused(server, media_dir):
    r = server.upload((media_dir / "tone.wav").read_bytes(), name="tone.wav", kind="image")
    assert r.status_code == 415 and r.json()["error"]["detected_kind"] == "audio"


@pytest.mark.parametrize("name,kind", [("empty.jpg", "image"), ("empty.mp4", "video"), ("empty.wav", "audio")])
def test_zero_byte_uploads(server, media_dir, name, kind):
    r = server.upload((media_dir / name).read_bytes(), name=name, kind=kind)
    assert r.status_code == 400 and "empty" in r.json()["error"]["message"]


@pytest.mark.parametrize("name,kind", [("trunc.jpg", "image"), ("bad.mp4", "video"), ("bad.wav", "audio"),
                                       ("bad.mp3", "audio")])
def test_corrupt_uploads_fail_with_decode_failed(server, media_dir, name, kind):
    r = server.upload((media_dir / name).read_bytes(), name=name, kind=kind)
    if r.status_code == 415:  # too broken to even be recognised: also a clean refusal
        assert r.json()["error"]["code"] == "unsupported_media"
        return
    assert r.status_code == 202
    body = server.wait(r.json()["id"])
    assert body["status"] == "failed" and body["error"]["code"] == "decode_failed", body


def test_non_media_is_unsupported(server, media_dir, media_server):
    r = server.upload((media_dir / "text.jpg").read_bytes(), name="text.jpg")
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media"
    body = check_url(server, media_server + "/text.jpg")
    assert body["status"] == "failed" and body["error"]["code"] == "unsupported_media"


def test_server_still_healthy_and_no_temp_files_left(server):
    assert requests.get(server.url + "/api/v1/health", timeout=10).json()["status"] == "ok"
    assert server.leftover_files() == []
