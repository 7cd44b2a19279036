"""The test page for the e2e: real media made by the test (ffmpeg, and smoke files from ../shared) served
on 127.0.0.1 by a real HTTP server, with a members-only path that answers 403 without the session cookie
the page sets: the FakeScope server is refused, while the user's browser (with its cookie) can read it."""
from __future__ import annotations

import base64
import shutil
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>FakeScope e2e page</title>
<style>body {{ font-family: sans-serif; margin: 16px; }} .grid {{ display: flex; flex-wrap: wrap; gap: 24px; }}
img, video {{ display: block; }} figure {{ margin: 0; }}</style></head>
<body><h1>Media to check</h1><div class="grid">
<figure><img data-e2e="photo" src="/media/photo.jpg" width="256" height="256" alt="portrait"><figcaption>photo (URL)</figcaption></figure>
<figure><img data-e2e="inline" src="{inline}" width="200" height="200" alt="inline"><figcaption>inline (data:)</figcaption></figure>
<figure><img data-e2e="members_only" src="/members/portrait.jpg" width="200" height="200" alt="members"><figcaption>members only (cookie)</figcaption></figure>
<figure><video data-e2e="clip" src="/media/clip.mp4" width="400" height="300" controls muted></video><figcaption>video</figcaption></figure>
<figure><audio data-e2e="speech" src="/media/speech.wav" controls></audio><figcaption>audio</figcaption></figure>
</div><div style="height: 1200px"></div></body></html>
"""


SESSION = "session=e2e-member"


class PageHandler(SimpleHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server naming)
        if self.path.startswith("/members/") and SESSION not in (self.headers.get("Cookie") or ""):
            self.send_error(403, "members only: log in first")
            return
        super().do_GET()

    def end_headers(self):
        if self.path.startswith("/index.html"):  # "logging in" = loading the page
            self.send_header("Set-Cookie", f"{SESSION}; Path=/; HttpOnly")
        super().end_headers()

    def log_message(self, *args):  # keep pytest output readable
        pass


def make_media(root: Path, shared: Path, ffmpeg: str) -> None:
    """photo/portrait/inline: real face photos from the smoke set; clip: a face video with a sine track
    (3 s, H.264 + AAC); speech: a LibriSpeech clip as WAV."""
    (root / "media").mkdir(parents=True)
    (root / "members").mkdir()
    smoke = sorted((shared / "datasets/images/real/smoke").glob("*.jpg"))
    fakes = sorted((shared / "datasets/images/fake/smoke").glob("*.jpg"))
    shutil.copyfile(smoke[0], root / "media/photo.jpg")
    shutil.copyfile(fakes[0], root / "members/portrait.jpg")
    inline = "data:image/jpeg;base64," + base64.b64encode(smoke[1].read_bytes()).decode()
    video = sorted((shared / "datasets/video/real").rglob("*.mp4"))[0]
    run = partial(subprocess.run, check=True, capture_output=True, timeout=120)
    run([ffmpeg, "-y", "-i", str(video), "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000", "-t", "3",
         "-map", "0:v:0", "-map", "1:a:0", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-shortest", "-movflags", "+faststart", str(root / "media/clip.mp4")])
    speech = sorted((shared / "datasets/audio/real").rglob("*.flac"))[0]
    run([ffmpeg, "-y", "-i", str(speech), "-ac", "1", "-ar", "16000", str(root / "media/speech.wav")])
    (root / "index.html").write_text(PAGE.format(inline=inline))


class PageServer:
    """ThreadingHTTPServer on a free 127.0.0.1 port serving `root`."""

    def __init__(self, root: Path):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(PageHandler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
