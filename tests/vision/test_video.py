"""Video: pure aggregation rules, frame sampling and the face detector on clips made with ffmpeg."""
from __future__ import annotations

import pytest

from fakescope.server.features import video as V
from fakescope.server.media.decode import probe_video, sample_frames

from vision_helpers import load_detector, make_clip


@pytest.mark.parametrize("scores,min_run,expected", [
    ([0.1, 0.95, 0.1, 0.1, 0.1], 3, 0.1),        # one confident frame is not enough
    ([0.1, 0.9, 0.8, 0.85, 0.1], 3, 0.8),        # a run of three is
    ([0.9, 0.2, 0.9, 0.2, 0.9, 0.2], 3, 0.2),    # flicker does not add up
    ([0.7, 0.9], 3, 0.7),                        # short track: its minimum
    ([0.4], 3, 0.4),
])
def test_run_score(scores, min_run, expected):
    assert V.run_score(scores, min_run) == pytest.approx(expected)


def test_video_score_ignores_fleeting_tracks():
    tracks = {0: [0.2] * 10, 1: [0.99]}            # a false face seen once must not decide
    assert V.video_score(tracks) == (pytest.approx(0.2), 0)
    assert V.video_score({0: [0.2] * 10, 1: [0.9] * 6})[1] == 1


def test_assign_tracks_by_overlap():
    frames = [[[10, 10, 50, 50], [200, 10, 50, 50]], [[205, 12, 50, 50], [12, 11, 50, 50]], [[400, 300, 40, 40]]]
    ids = V.assign_tracks(frames)
    assert ids[0] == [0, 1] and ids[1] == [1, 0] and ids[2] == [2]
    assert V.iou([0, 0, 10, 10], [5, 0, 10, 10]) == pytest.approx(1 / 3)


def test_reference_rule_is_the_mean():
    assert V.reference_score([0.2, 0.4, 0.9]) == pytest.approx(0.5)


def test_sampling_one_frame_per_second(tmp_path):
    clip = make_clip(tmp_path / "pattern.mp4", seconds=5, fps=25)
    info = probe_video(clip)
    assert info["frames"] == 125 and info["fps"] == pytest.approx(25)
    ts = [t for t, f in sample_frames(clip, 1.0, 60)]
    assert ts == pytest.approx([0, 1, 2, 3, 4])
    capped = [t for t, f in sample_frames(clip, 0.2, 10)]
    assert len(capped) == 10 and capped[-1] > 4  # cap stretches the step to cover the clip


@pytest.fixture(scope="module")
def face_detector(shipped):
    from fakescope.server.detectors.face_manipulation import FaceManipulationDetector

    return load_detector(FaceManipulationDetector, *shipped)


def _media(path, kind):
    from fakescope.server.media.types import Media

    return Media(kind=kind, path=path, sha256="0", size_bytes=path.stat().st_size)


def test_video_with_a_face_gets_a_timeline(tmp_path, face_jpg, face_detector):
    from fakescope.server.detectors.base import Context

    clip = make_clip(tmp_path / "face.mp4", image=face_jpg, seconds=4, size="480x360")
    seen = []
    res = face_detector.predict(_media(clip, "video"), Context(report=lambda s, f: seen.append((s, f))))
    assert res["applicable"] and 0.0 <= res["score"] <= 1.0
    tl = res["regions"]["timeline"]
    assert [round(e["t"]) for e in tl] == [0, 1, 2, 3]
    assert all(len(e["faces"]) == 1 and len(e["faces"][0]["box"]) == 4 for e in tl)
    assert len(res["regions"]["faces"]) == 1 and res["regions"]["faces"][0]["frames"] == 4  # one track
    assert seen and seen[-1] == ("faces", 1.0)


def test_video_without_faces_is_not_applicable(tmp_path, face_detector):
    from fakescope.server.detectors.base import Context

    res = face_detector.predict(_media(make_clip(tmp_path / "p.mp4", seconds=3), "video"), Context())
    assert res["verdict"] == "not_applicable" and "no face found" in res["reason"]
    assert len(res["regions"]["timeline"]) == 3


def test_image_faces_have_boxes_and_scores(face_jpg, face_detector, tmp_path):
    from fakescope.server.detectors.base import Context

    res = face_detector.predict(_media(face_jpg, "image"), Context())
    assert res["applicable"] and len(res["regions"]["faces"]) == 1
    f = res["regions"]["faces"][0]
    assert len(f["box"]) == 4 and 0 <= f["score"] <= 1 and res["score"] == f["score"]
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    assert face_detector.predict(_media(bad, "image"), Context())["verdict"] == "not_applicable"


def test_keyframe_sampling_when_gop_is_short(tmp_path):
    """A clip with a keyframe every second is sampled from keyframes only (no inter-frame decoding)."""
    import subprocess

    from fakescope.server.media.decode import ffmpeg_exe

    src = make_clip(tmp_path / "long_gop.mp4", seconds=6, fps=25)
    clip = tmp_path / "gop25.mp4"
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(src), "-c:v", "libx264", "-g", "25",
                    "-keyint_min", "25", "-sc_threshold", "0", str(clip)], check=True, timeout=120)
    keys = V.keyframes(clip, 60)
    assert [round(t) for t, _ in keys] == [0, 1, 2, 3, 4, 5]
    assert [round(t) for t, _ in V.sample_video(clip, 1.0, 60)] == [0, 1, 2, 3, 4, 5]
    assert keys[0][1].shape == (240, 320, 3)
    # the default 10 s GOP has one keyframe here: sample_video falls back to decoding sampled frames
    assert len(V.keyframes(src, 60)) == 1 and len(V.sample_video(src, 1.0, 60)) == 6
