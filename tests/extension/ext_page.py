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
<figure><video data-e2e="clip" width="400" height="300" controls muted preload="auto"><source src="/media/clip.mp4" type="video/mp4"><source src="/media/clip.webm" type="video/webm"></video><figcaption>video</figcaption></figure>
<figure><audio data-e2e="speech" src="/media/speech.wav" controls></audio><figcaption>audio</figcaption></figure>
<figure><img data-e2e="sd_png" src="/media/sd.png" width="256" height="256" alt="generated"><figcaption>PNG with generator text</figcaption></figure>
<figure><img data-e2e="missing" src="/media/missing.jpg" width="160" height="120" alt="missing"><figcaption>missing (404)</figcaption></figure>
</div><div style="height: 1200px"></div></body></html>
"""


# Badges on media from 48 to 600 px, and a dense gallery whose thumbnails have their own close buttons
# and captions (the badges must stay legible and never cover them).
GRID = """<!doctype html>
<html><head><meta charset="utf-8"><title>FakeScope badge grid</title>
<style>body {{ font-family: sans-serif; margin: 12px; }} .sizes {{ display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }}
figure {{ margin: 0; }} figcaption {{ font-size: 12px; }} img {{ display: block; object-fit: cover; }}
.gallery {{ display: grid; grid-template-columns: repeat(10, 52px); gap: 4px; margin-top: 12px; }}
.thumb {{ position: relative; }} .thumb button {{ position: absolute; top: 0; right: 0; width: 16px; height: 16px; padding: 0;
  font-size: 11px; line-height: 14px; }} .thumb span {{ display: block; font-size: 10px; }}</style></head>
<body><div class="sizes">{sizes}</div><div class="gallery">{gallery}</div>
<p style="margin-top: 40px"><audio data-grid="audio" src="/media/speech.wav" controls></audio> <span>caption beside the audio</span></p>
<p><video data-grid="bars" src="/media/bars.webm" width="320" height="180" muted controls></video></p></body></html>
"""
GRID_WIDTHS = (48, 64, 96, 128, 180, 240, 360, 600)


def grid_page() -> str:
    srcs = ["/media/photo.jpg", "/media/sd.png", "/media/fake.jpg"]
    sizes = "".join(f'<figure><img data-grid="w{w}" src="{srcs[i % 3]}?w={w}" width="{w}" height="{w}" alt="{w} px">'
                    f"<figcaption>{w} px</figcaption></figure>" for i, w in enumerate(GRID_WIDTHS))
    gallery = "".join(f'<div class="thumb"><img data-grid="g{i}" src="{srcs[i % 3]}?g={i}" width="52" height="52" alt="thumb {i}">'
                      f'<button type="button" aria-label="remove {i}">×</button><span>item {i}</span></div>' for i in range(10))
    return GRID.format(sizes=sizes, gallery=gallery)


# A streamed (blob:) video on a site the extension has no access to (served from 127.0.0.2).
BLOB_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>FakeScope blob video</title></head><body>
<video data-e2e="blob_clip" width="320" height="240" controls muted></video>
<script>fetch('/media/clip.mp4').then(r => r.blob()).then(b => {{ document.querySelector('video').src = URL.createObjectURL(b); document.body.dataset.ready = '1'; }});</script>
</body></html>
"""


SESSION = "session=e2e-member"


class PageHandler(SimpleHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server naming)
        if self.path.startswith("/members/") and SESSION not in (self.headers.get("Cookie") or ""):
            self.send_error(403, "members only: log in first")
            return
        super().do_GET()

    def send_head(self):
        """Byte ranges (RFC 7233, one range): browsers can only seek media served with them."""
        rng = self.headers.get("Range", "")
        path = Path(self.translate_path(self.path))
        if not rng.startswith("bytes=") or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        first, _, last = rng[6:].split(",")[0].partition("-")
        start = int(first) if first else max(0, size - int(last or 0))
        end = min(int(last), size - 1) if first and last else size - 1
        if start >= size or start > end:
            self.send_error(416, "range not satisfiable")
            return None
        f = open(path, "rb")
        f.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self._remaining = end - start + 1
        return f

    def copyfile(self, source, outputfile):
        remaining = getattr(self, "_remaining", None)
        if remaining is None:
            return super().copyfile(source, outputfile)
        self._remaining = None
        while remaining > 0:
            chunk = source.read(min(remaining, 1 << 16))
            if not chunk:
                break
            outputfile.write(chunk)
            remaining -= len(chunk)

    def end_headers(self):
        if self.path.startswith("/index.html"):  # "logging in" = loading the page
            self.send_header("Set-Cookie", f"{SESSION}; Path=/; HttpOnly")
        super().end_headers()

    def log_message(self, *args):  # keep pytest output readable
        pass


def make_media(root: Path, shared: Path, ffmpeg: str) -> None:
    """photo/portrait/inline: real face photos from the smoke set; clip: a face video with a sine track
    (3 s, H.264 + AAC); speech: three LibriSpeech clips joined, as WAV; sd.png: a PNG with a
    Stable Diffusion `parameters` chunk; fake.jpg: a generated face (for the badge grid)."""
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
    # The dataset's clips are at most 4 s: join three consecutive LibriSpeech ones (about 11 s of speech),
    # so the audio detector scores several windows and the chart has segments to click.
    # Debian's firefox-esr plays no H.264 without system codecs: it picks this WebM (VP8 + Vorbis) source.
    run([ffmpeg, "-y", "-i", str(root / "media/clip.mp4"), "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8",
         "-b:v", "1M", "-c:a", "libvorbis", str(root / "media/clip.webm")])
    # No face, no soundtrack: a video no detector can judge ("not applicable", with the plain reasons).
    run([ffmpeg, "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=10", "-t", "2", "-c:v", "libvpx",
         "-deadline", "realtime", "-cpu-used", "8", "-an", str(root / "media/bars.webm")])
    speech = sorted((shared / "datasets/audio/real").glob("librispeech*/*.flac"))[:3]
    inputs = [a for f in speech for a in ("-i", str(f))]
    run([ffmpeg, "-y", *inputs, "-filter_complex", f"concat=n={len(speech)}:v=0:a=1", "-ac", "1", "-ar", "16000",
         str(root / "media/speech.wav")])
    (root / "index.html").write_text(PAGE.format(inline=inline))
    shutil.copyfile(fakes[0], root / "media/fake.jpg")
    make_generator_png(smoke[2], root / "media/sd.png")
    (root / "grid.html").write_text(grid_page())
    (root / "blob.html").write_text(BLOB_PAGE.format())


def make_generator_png(src: Path, dest: Path) -> None:
    """A PNG as AUTOMATIC1111 saves it: the picture plus a `parameters` text chunk (the provenance evidence)."""
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", "portrait photo of a woman, soft light\nSteps: 20, Sampler: Euler a, CFG scale: 7, "
                                "Seed: 1234, Size: 512x512, Model: v1-5-pruned-emaonly")
    with Image.open(src) as im:
        im.convert("RGB").resize((512, 512)).save(dest, pnginfo=info)


class PageServer:
    """ThreadingHTTPServer on a free port of `host` (127.0.0.2: a site the extension has no access to)."""

    def __init__(self, root: Path, host: str = "127.0.0.1"):
        self.httpd = ThreadingHTTPServer((host, 0), partial(PageHandler, directory=str(root)))
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
