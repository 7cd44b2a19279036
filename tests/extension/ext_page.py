"""The test page for the e2e: real media made by the test (a face photo shipped in matplotlib's wheel, ffmpeg,
espeak-ng; nothing from ../shared) served on 127.0.0.1 by a real HTTP server, with a members-only path that answers 403 without the session cookie
the page sets: the FakeScope server is refused, while the user's browser (with its cookie) can read it."""
from __future__ import annotations

import base64
import io
import os
import shutil
import subprocess
import threading
import time
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
</div>
<p style="margin-top: 40px"><audio data-slow src="/slow/speech.wav" preload="none" controls></audio> <span>slow download</span></p>
<div style="height: 1200px"></div></body></html>
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


# How long /slow/ trickles before it sends the rest: far longer than any scenario under any load. The test
# ends the trickles itself (GET /slow-release) as soon as it has seen what it needs.
SLOW_SECONDS = 300
_release = {"generation": 0}  # bumped by /slow-release: every trickle started before it breaks off


class PageHandler(SimpleHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server naming)
        if self.path.startswith("/slow/"):
            self.send_slowly()
            return
        if self.path == "/slow-release":
            _release["generation"] += 1
            self.send_response(204)
            self.end_headers()
            return
        if self.path.startswith("/members/") and SESSION not in (self.headers.get("Cookie") or ""):
            self.send_error(403, "members only: log in first")
            return
        super().do_GET()

    def send_slowly(self):
        """2 KB every quarter second for SLOW_SECONDS, then the rest: a download that is still running whenever the
        test looks, whatever the load. /slow-release breaks it off (the FakeScope server's download then fails at
        once and frees its worker, instead of waiting for a 256 KB chunk to fill and see a cancel)."""
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "audio/wav")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        end = time.monotonic() + SLOW_SECONDS
        generation = _release["generation"]
        pos = 0
        try:
            while pos < len(data):
                if _release["generation"] != generation:
                    self.close_connection = True
                    return  # short of Content-Length: the download "broke off"
                step = 2048 if time.monotonic() < end else len(data)
                self.wfile.write(data[pos:pos + step])
                self.wfile.flush()
                pos += step
                time.sleep(0.25)
        except OSError:  # the client gave up: nothing to clean
            pass

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


SPEECH = ("The quick brown fox jumps over the lazy dog. A journey of a thousand miles begins with a single step. "
          "Every morning she walked to the river and watched the boats drift slowly past the old stone bridge.")


def sample_photo() -> Path:
    """A real face photo that ships inside an installed wheel: matplotlib's `grace_hopper.jpg` (512x600, a US Navy
    portrait of Grace Hopper, public domain). matplotlib is in the `test` extra, so no test needs ../shared."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"


def espeak() -> str | None:
    """Debian's espeak-ng (apt-get install -y espeak-ng): formant speech synthesis, no model weights. None when it
    is missing, or when FAKESCOPE_E2E_SPEECH=synth asks for the built-in babble (to test that path)."""
    if os.environ.get("FAKESCOPE_E2E_SPEECH") == "synth":
        return None
    return shutil.which("espeak-ng") or shutil.which("espeak")


def synth_babble(dest: Path, seconds: float = 12.0, sr: int = 16000) -> None:
    """Speech-like babble without any TTS: a glottal pulse train (F0 about 110 Hz, drifting) through three vowel
    formant resonators, one syllable of 0.14-0.28 s at a time with a short noise burst as its consonant and a
    pause now and then. Seeded, so the same bytes everywhere. The shipped speech detector takes it for speech
    (about 12 s: 6 scored windows), which is all the browser test needs: a Voice chart to click."""
    import numpy as np
    import soundfile as sf
    from scipy.signal import lfilter

    vowels = ((730, 1090, 2440), (530, 1840, 2480), (270, 2290, 3010), (570, 840, 2410), (300, 870, 2240))
    rng = np.random.default_rng(7)

    def resonator(x, f, bw):
        r = np.exp(-np.pi * bw / sr)
        return lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * f / sr), r * r], x)

    parts, t = [], 0.0
    while t < seconds:
        n = int(rng.uniform(0.14, 0.28) * sr)
        f0 = 110 + 25 * np.sin(t * 1.3) + rng.uniform(-8, 8)
        pulses = (np.diff(np.floor(np.cumsum(np.full(n, f0 / sr))), prepend=0) > 0).astype(float)
        source = lfilter([1], [1, -0.97], pulses)  # the glottal spectrum's tilt
        vowel = vowels[rng.integers(len(vowels))]
        voiced = sum(resonator(source, f, bw) * g for f, bw, g in zip(vowel, (80, 100, 140), (1.0, 0.6, 0.3)))
        burst = resonator(rng.normal(0, 0.3, int(0.03 * sr)), rng.uniform(2500, 5000), 800)
        seg = np.concatenate([burst * 0.5, voiced * np.sin(np.linspace(0, np.pi, n)) ** 0.6])
        parts.append(seg)
        t += len(seg) / sr
        if rng.random() < 0.18:
            gap = int(rng.uniform(0.08, 0.25) * sr)
            parts.append(np.zeros(gap))
            t += gap / sr
    x = np.concatenate(parts)
    sf.write(dest, (0.5 * x / np.abs(x).max()).astype(np.float32), sr, subtype="PCM_16")


def make_media(root: Path, ffmpeg: str, tts: str | None) -> None:
    """Every medium is made here from nothing but installed software (no ../shared): photo / inline / members-only
    portrait / fake.jpg: four different crops of one real face photo (different bytes, so four checks); clip: that
    face as a 3 s H.264 + AAC video with a sine track (and its WebM twin); speech: about 13 s of espeak-ng speech
    (several windows for the audio chart), or 12 s of synthesised babble where espeak-ng is missing; sd.png: a PNG with a Stable Diffusion `parameters` chunk; bars.webm:
    a video with no face and no soundtrack."""
    from PIL import Image, ImageOps

    (root / "media").mkdir(parents=True)
    (root / "members").mkdir()
    (root / "slow").mkdir()
    with Image.open(sample_photo()) as src:
        face = src.convert("RGB")
    face.crop((0, 0, 512, 512)).save(root / "media/photo.jpg", quality=92)
    ImageOps.mirror(face).crop((0, 40, 512, 552)).save(root / "members/portrait.jpg", quality=90)
    buf = io.BytesIO()
    face.crop((40, 20, 472, 452)).resize((320, 320)).save(buf, "JPEG", quality=88)
    inline = "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()
    ImageOps.mirror(face).crop((20, 60, 500, 540)).save(root / "media/fake.jpg", quality=85)
    run = partial(subprocess.run, check=True, capture_output=True, timeout=120)
    # The portrait letterboxed into 640x480 with a slow zoom, so the frames differ (a real clip, not one still).
    run([ffmpeg, "-y", "-loop", "1", "-framerate", "25", "-i", str(sample_photo()), "-f", "lavfi", "-i",
         "sine=frequency=440:sample_rate=16000", "-t", "3", "-filter:v",
         "scale=-2:480,pad=640:480:(ow-iw)/2:0,zoompan=z='1+0.002*on':d=1:s=640x480:fps=25", "-map", "0:v:0",
         "-map", "1:a:0", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
         "-movflags", "+faststart", str(root / "media/clip.mp4")])
    # Debian's firefox-esr plays no H.264 without system codecs: it picks this WebM (VP8 + Vorbis) source.
    run([ffmpeg, "-y", "-i", str(root / "media/clip.mp4"), "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8",
         "-b:v", "1M", "-c:a", "libvorbis", str(root / "media/clip.webm")])
    # No face, no soundtrack: a video no detector can judge ("not applicable", with the plain reasons).
    run([ffmpeg, "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=10", "-t", "2", "-c:v", "libvpx",
         "-deadline", "realtime", "-cpu-used", "8", "-an", str(root / "media/bars.webm")])
    raw = root / "speech-raw.wav"
    if tts:
        run([tts, "-v", "en-us", "-s", "150", "-w", str(raw), SPEECH])
    else:
        synth_babble(raw)
    run([ffmpeg, "-y", "-i", str(raw), "-ac", "1", "-ar", "16000", str(root / "media/speech.wav")])
    # The same speech again under /slow/: served a trickle at a time (PageHandler), so a check of it stays
    # in "downloading" for as long as the test needs (the server-went-away scenario).
    shutil.copyfile(root / "media/speech.wav", root / "slow/speech.wav")
    (root / "index.html").write_text(PAGE.format(inline=inline))
    make_generator_png(root / "media/photo.jpg", root / "media/sd.png")
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
