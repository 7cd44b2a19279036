"""`fakescope check` and `fakescope serve` from a terminal (issue 10, points 8-10): a real server on loopback
(test probe detectors), the real CLI in subprocesses, a real pseudo-terminal for the progress bar."""
from __future__ import annotations

import os
import pty
import re
import select
import socket
import subprocess
import sys
import time

import pytest
import requests

from server_fixtures import LAUNCHER, TEST_ENV, RunningServer, free_port, solid_png


def cli(*args, env=None, timeout=180):
    return subprocess.run([sys.executable, str(LAUNCHER), *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    srv = RunningServer(tmp_path_factory.mktemp("cli"), allow_private=True, env=TEST_ENV).start()
    yield srv
    srv.stop()


def _history(srv) -> list[dict]:
    return requests.get(f"{srv.url}/api/v1/checks", params={"limit": 100}, timeout=10).json()["items"]


def test_check_submits_to_the_server_given_and_says_so(running, media_dir):
    before = len(_history(running))
    proc = cli("check", str(media_dir / "noise.jpg"), "--server", running.url)
    assert proc.returncode == 0, proc.stderr
    assert f"checking with the FakeScope server at {running.url}" in proc.stderr
    assert "loading the models" not in proc.stderr
    # One vocabulary and a labelled number (issue 21 D); detector names only under "Technical details".
    plain, _, tech = proc.stdout.partition("Technical details:")
    assert re.search(r"^\w[\w ]+: \d+ % likely manipulated \(", plain), plain
    assert tech and "test_mean_pixel" in tech and "test_mean_pixel" not in plain
    assert not re.search(r"likely_fake|likely_real|not_applicable|Unsure|Likely fake|Likely real", proc.stdout)
    after = _history(running)
    assert len(after) == before + 1 and after[0]["source"].get("filename") == "noise.jpg"


def test_check_finds_the_server_at_the_default_address(running, media_dir):
    # FAKESCOPE_PORT moves the default address, exactly as it moves `fakescope serve`.
    before = len(_history(running))
    proc = cli("check", str(media_dir / "tone.wav"), "--json", env={"FAKESCOPE_PORT": str(running.port)})
    assert proc.returncode == 0, proc.stderr
    assert "checking with the FakeScope server" in proc.stderr
    assert '"status": "done"' in proc.stdout and '"kind": "audio"' in proc.stdout
    assert len(_history(running)) == before + 1


def test_without_a_server_it_loads_the_models_itself_and_says_so(tmp_path, media_dir):
    models = tmp_path / "models"
    models.mkdir()
    (models / "manifest.json").write_text('{"schema": 1, "models": {}}')
    env = {"FAKESCOPE_PORT": str(free_port()), "FAKESCOPE_MODELS": str(models),
           "FAKESCOPE_DATA_DIR": str(tmp_path / "data")}
    proc = cli("check", str(media_dir / "noise.jpg"), env=env)
    assert proc.returncode == 0, proc.stderr
    assert "no FakeScope server at http://127.0.0.1:" in proc.stderr and "loading the models in this process" in proc.stderr
    assert "test_mean_pixel" in proc.stdout


def test_bad_input_is_one_line_on_stderr_and_a_non_zero_exit(running, media_dir, tmp_path):
    cases = [
        ((str(media_dir / "empty.jpg"),), 2, "the file is empty (0 bytes)"),
        ((str(tmp_path / "nope.jpg"),), 2, "no such file"),
        ((str(tmp_path),), 2, "is a folder"),
        ((str(media_dir / "noise.jpg"), "--server", f"http://127.0.0.1:{free_port()}"), 2,
         "no FakeScope server answers"),
        ((str(media_dir / "trunc.jpg"), "--server", running.url), 1, "decode_failed"),
    ]
    for args, status, message in cases:
        proc = cli("check", *args)
        assert proc.returncode == status, (args, proc.stderr)
        assert message in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr and proc.stdout == "", (args, proc.stdout)


def test_refused_private_address_names_the_setting(tmp_path, media_server):
    strict = RunningServer(tmp_path, allow_private=False).start()
    try:
        r = strict.post_json({"url": f"{media_server}/noise.jpg"})
        assert r.status_code == 403
        message = r.json()["error"]["message"]
        assert "--allow-private-addresses" in message and "FAKESCOPE_ALLOW_PRIVATE_ADDRESSES" in message
        proc = cli("check", f"{media_server}/noise.jpg", "--server", strict.url)
        assert proc.returncode == 1 and "--allow-private-addresses" in proc.stderr
    finally:
        strict.stop()


def test_progress_bar_moves_during_a_long_stage(running, tmp_path):
    # The red probe image reports progress for 8 s inside one stage; the bar on a terminal must show it.
    red = tmp_path / "red.png"
    red.write_bytes(solid_png((255, 0, 0), size=(71, 71)))
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, str(LAUNCHER), "check", str(red), "--server", running.url],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(60)
    os.close(master)
    out = proc.stdout.read().decode()
    text = seen.decode("utf-8", "replace")
    percents = [int(p) for p in re.findall(r"\]\s+(\d+)% ", text)]
    assert proc.returncode == 0 and "test_mean_pixel" in out, text[-500:]
    assert len(set(percents)) >= 3, percents
    assert percents == sorted(percents), percents


def test_serve_on_a_taken_port_prints_one_line(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = cli("serve", "--port", str(port), "--data-dir", str(tmp_path / "d"), timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"fakescope: port {port} is in use — is FakeScope already running? use --port"
    assert proc.stdout == ""


def test_serve_help_documents_the_private_address_switch_and_the_environment():
    proc = cli("serve", "--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert "--allow-private-addresses" in text and "FAKESCOPE_ALLOW_PRIVATE_ADDRESSES" in text
    for name in ("FAKESCOPE_PORT", "FAKESCOPE_KEEP_MEDIA_CHECKS", "FAKESCOPE_ENCODERS", "FAKESCOPE_MODELS"):
        assert name in text


def test_native_library_noise_is_filtered_but_real_errors_kept():
    # Real TensorFlow import (its absl/oneDNN lines go to fd 2 from C++), real retracing warnings, an OpenCV
    # log line, and a genuine error line written to fd 2: only the genuine line may come out.
    code = ("import os, sys\n"
            "from server.cli_quiet import quiet, native_stderr_filtered\n"
            "quiet()\n"
            "with native_stderr_filtered() as live:\n"
            "    import tensorflow as tf\n"
            "    f = tf.function(lambda x: x * 2)\n"
            "    for i in range(8):\n"
            "        f(i)  # a new Python value each call: tf.function retraces and warns about it\n"
            "    os.write(2, b'[ WARN:0@1.234] global net_impl.cpp:1 setPreferableTarget ignored\\n')\n"
            "    os.write(2, b'genuine problem: disk full\\n')\n"
            "    live.write('live line\\n')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          cwd=str(LAUNCHER.parent.parent.parent))
    assert proc.returncode == 0, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert lines == ["live line", "genuine problem: disk full"], lines


def test_oversized_image_upload_fails_with_our_message(running, tmp_path):
    from test_cli_decode import _png_header

    r = running.upload(_png_header(20000, 20000), name="huge.png")
    body = r.json() if r.status_code >= 400 else running.wait(r.json()["id"])
    err = body["error"]
    assert "too large" in err["message"] and "64,000,000-pixel limit" in err["message"], err
    assert "bomb" not in err["message"].lower()


def test_ctrl_c_cancels_the_check_on_the_server(running, tmp_path):
    import signal

    blue = tmp_path / "blue.png"
    blue.write_bytes(solid_png((0, 0, 255), size=(73, 73)))  # blocks until cancelled: no race with its own end
    # SIGINT back to its default in the child: a test run started in the background (`cmd &` in a script)
    # inherits SIGINT as ignored, and Python then installs no KeyboardInterrupt handler at all
    proc = subprocess.Popen([sys.executable, str(LAUNCHER), "check", str(blue), "--server", running.url],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 60
    check = None
    while check is None or check["status"] != "running":
        assert time.time() < deadline, "the check never started"
        time.sleep(0.1)
        check = next((c for c in _history(running) if c["source"].get("filename") == "blue.png"
                      and c["status"] in ("queued", "running")), None)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "cancelled" in err and "Traceback" not in err, err
    final = requests.get(f"{running.url}/api/v1/checks/{check['id']}", timeout=10).json()
    assert final["status"] == "cancelled"


def test_allow_private_addresses_with_a_running_server_says_the_server_decides(running, media_dir):
    # The API has no per-check switch: the flag cannot reach the running server, so the CLI says so on stderr.
    proc = cli("check", str(media_dir / "noise.jpg"), "--server", running.url, "--allow-private-addresses")
    assert proc.returncode == 0, proc.stderr
    notice = [ln for ln in proc.stderr.splitlines() if "--allow-private-addresses" in ln]
    assert len(notice) == 1 and "does not apply here" in notice[0] and "its own setting" in notice[0], proc.stderr
    assert "--allow-private-addresses" not in proc.stdout
    plain = cli("check", str(media_dir / "noise.jpg"), "--server", running.url)
    assert "--allow-private-addresses" not in plain.stderr


def test_check_and_models_help_describe_their_options():
    check = " ".join(cli("check", "--help").stdout.split())
    assert re.search(r"--kind \{image,video,audio,auto\} what the target is", check), check
    models = " ".join(cli("models", "--help").stdout.split())
    assert "-v, --verbose also print each model's evaluation metrics" in models
    assert "library log lines" not in models


def _result(**over):
    base = {"verdict": "uncertain", "score": 0.81, "basis": "models", "deciding_detector": "audio_speech",
            "evidence": [], "media": {"kind": "audio", "mime": "audio/wav", "size_bytes": 1000, "sha256": "ab" * 32},
            "applied": [{"detector": "audio_speech", "score": 0.81, "verdict": "uncertain", "advisory": False},
                        {"detector": "face_manipulation", "score": 0.75, "verdict": "likely_fake", "advisory": True}],
            "not_applied": [{"detector": "ai_image", "reason": "not an image"}],
            "detectors": [{"detector": "audio_speech", "model_version": "2.3.1", "verdict": "uncertain", "score": 0.81},
                          {"detector": "face_manipulation", "model_version": "face-2.2", "verdict": "likely_fake",
                           "score": 0.75, "advisory": True},
                          {"detector": "ai_image", "model_version": "aigen-2.0", "verdict": "not_applicable",
                           "score": None, "plain_reason": "Not an image"}]}
    return {"status": "done", "result": {**base, **over}}


def test_readable_output_uses_one_vocabulary_and_labelled_numbers():
    from fakescope.server.cli_check import readable

    text = readable(_result())
    plain, _, tech = text.partition("Technical details:")
    assert plain.splitlines() == [
        "Uncertain: 81 % likely manipulated (the calibrated probability of manipulation: an estimate, not a certainty)",
        "  Voice: uncertain · 81 % likely manipulated",
        "  Faces: likely manipulated · 75 % likely manipulated · advisory (shown, not used for the verdict)",
        "  Picture: not applicable (not an image)",
    ]
    assert "aigen-2.0" in tech and "deciding model: audio_speech" in tech
    assert not re.search(r"likely_fake|likely_real|not_applicable|ai_image|audio_speech", plain)
    na = readable(_result(verdict="not_applicable", score=None, basis=None, plain_reason="No speech found",
                          reason="audio_speech: silence found"))
    assert na.splitlines()[0] == "Not applicable: no speech found"


def test_readable_prefers_a_tracks_list_and_tolerates_odd_entries():
    from fakescope.server.cli_check import readable

    text = readable(_result(tracks=[{"track": "voice", "label": "Voice", "verdict": "likely_real", "score": 0.12,
                                     "detector": "audio_speech"}, "junk", {"track": "faces", "verdict": "not_applicable"}]))
    assert text.splitlines()[1:3] == ["  Voice: likely authentic · 12 % likely manipulated", "  Faces: not applicable"]


def test_readable_track_reasons_are_the_plain_ones():
    from fakescope.server.wording import track_lines

    result = {"tracks": [{"track": "voice", "label": "Voice", "detector": "audio_speech", "verdict": "not_applicable",
                          "score": None, "reason": "silence found: 0.2 s of speech"}],
              "detectors": [{"detector": "audio_speech", "verdict": "not_applicable", "plain_reason": "No speech found"}]}
    assert track_lines(result) == ["Voice: not applicable (no speech found)"]
