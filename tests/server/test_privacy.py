"""Nothing FakeScope runs may phone home (README, Privacy).

- onnxruntime >= 1.32 has telemetry on by default on Linux: a device id and an event database under
  ~/.cache/Microsoft/DeveloperTools/.onnxruntime and a `.ses` file in the temp dir. A full check with the
  real CLIP encoder, in a fresh process whose HOME, cache and temp dirs are empty folders, must leave none of
  them, even when the caller's environment asks for telemetry (ORT_DISABLE_TELEMETRY=0).
- c2pa-rs fetches a manifest that a file only links to, by default: a picture whose XMP points at a URL
  must not make the server request it (served here on loopback, counting requests).
"""
from __future__ import annotations

import http.server
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PIL import Image

from server_fixtures import noise_image


def _files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_a_full_check_writes_no_telemetry_files(tmp_path):
    from fakescope.server.encoders import artifacts

    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir(), tmp.mkdir()
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(noise_image(3, size=(400, 300)))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "FAKESCOPE_"))}
    env.update(HOME=str(home), TMPDIR=str(tmp), ORT_DISABLE_TELEMETRY="0",
               FAKESCOPE_ENCODERS=str(artifacts.root_dir()), FAKESCOPE_DATA_DIR=str(tmp_path / "data"))
    proc = subprocess.run([sys.executable, "-m", "fakescope.server", "check", str(photo), "--local", "--json"],
                          capture_output=True, text=True, timeout=400, env=env, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    ran = {d["detector"] for d in result["result"]["applied"]}
    assert "ai_image" in ran, result  # the CLIP encoder (onnxruntime) really ran
    assert not (home / ".cache" / "Microsoft").exists(), _files_under(home)
    assert [p for p in _files_under(home) if "onnxruntime" in p.lower() or "microsoft" in p.lower()] == []
    assert _files_under(tmp) == [], "files left in the temp dir: " + ", ".join(_files_under(tmp))


def test_the_switch_is_set_before_onnxruntime_loads():
    # The library reads the variable once, when it loads: importing the package must set it, and must
    # do so before anything in fakescope imports onnxruntime.
    code = ("import os, sys; os.environ['ORT_DISABLE_TELEMETRY'] = '0'; import fakescope; "
            "print(os.environ['ORT_DISABLE_TELEMETRY'], 'onnxruntime' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout.split()
    assert out == ["1", "False"]


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        type(self).hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def counting_server():
    _Counting.hits = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", _Counting.hits
    srv.shutdown()
    srv.server_close()


def test_a_linked_c2pa_manifest_is_never_fetched(tmp_path, counting_server):
    from fakescope.server.detectors import provenance

    base, hits = counting_server
    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           '<rdf:Description rdf:about="" xmlns:dcterms="http://purl.org/dc/terms/" '
           f'dcterms:provenance="{base}/manifest.c2pa"/></rdf:RDF></x:xmpmeta>')
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (90, 120, 150)).save(buf, "JPEG", xmp=xmp.encode())
    path = tmp_path / "linked.jpg"
    path.write_bytes(buf.getvalue())
    evidence = provenance.c2pa_evidence(path)
    assert hits == []
    assert len(evidence) == 1 and evidence[0]["indicates"] == "info"
    assert "not fetched" in evidence[0]["detail"]
