"""The combination rules through the real API (issue 23): a real server on loopback, real ffmpeg clips, the
real pipeline and verdict; test-only probes stand in for the trained face and voice models (a face probe
that reads frame brightness, the loudness probe as the voice), so each case's findings are known.

- genuine voice, swapped face: the faces are "likely manipulated", the voice "likely authentic" -> the video
  is likely manipulated, and the result says which detector spoke for which track;
- a video whose picture cannot be judged (no face) never becomes "likely authentic" on its voice alone;
- real-looking faces and voice -> likely authentic.
"""
from __future__ import annotations

import pytest

from server_fixtures import TEST_ENV, RunningServer, _ffmpeg


def _clip(path, colour: str) -> bytes:
    _ffmpeg("-f", "lavfi", "-i", f"color=c={colour}:size=160x120:rate=10", "-f", "lavfi", "-i",
            "sine=frequency=220:sample_rate=16000", "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", str(path))
    return path.read_bytes()


@pytest.fixture(scope="module")
def verdict_server(tmp_path_factory):
    srv = RunningServer(tmp_path_factory.mktemp("verdict"), allow_private=True,
                        env={**TEST_ENV, "PROBE_FACE_TRACK": "1"}).start()
    yield srv
    srv.stop()


def _check(srv, data: bytes, name: str) -> dict:
    r = srv.upload(data, name, kind="video")
    assert r.status_code == 202, r.text
    body = srv.wait(r.json()["id"])
    assert body["status"] == "done", body
    return body["result"]


def _lines(result) -> dict:
    return {t["label"]: t["verdict"] for t in result["tracks"]}


def test_a_genuine_voice_never_vouches_for_a_swapped_face(verdict_server, tmp_path):
    result = _check(verdict_server, _clip(tmp_path / "swap.mp4", "white"), "swap.mp4")
    assert _lines(result) == {"Faces": "likely_fake", "Voice": "likely_real"}
    assert result["verdict"] == "likely_fake" and result["deciding_detector"] == "test_face_track"


def test_a_video_without_a_judged_picture_is_not_called_authentic(verdict_server, tmp_path):
    result = _check(verdict_server, _clip(tmp_path / "dark.mp4", "black"), "dark.mp4")
    assert _lines(result) == {"Faces": "not_applicable", "Voice": "likely_real"}
    assert result["verdict"] == "uncertain"
    assert "soundtrack never vouches for a picture" in result["reason"]


def test_authentic_looking_faces_and_voice_are_likely_authentic(verdict_server, tmp_path):
    result = _check(verdict_server, _clip(tmp_path / "calm.mp4", "0x202020"), "calm.mp4")
    assert _lines(result) == {"Faces": "likely_real", "Voice": "likely_real"}
    assert result["verdict"] == "likely_real"
