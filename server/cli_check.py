"""`fakescope check`: submit to a running FakeScope server (the default address or --server URL) and follow
its progress through the API's long-poll; only when no server runs, load the models in this process.
Either way it says which it did. This module imports no model library for the server route, so a check
against a running server costs a Python start and one HTTP round trip, not a model load."""
from __future__ import annotations

import contextlib
import itertools
import json
import shutil
import sys
import threading
import time
from pathlib import Path

from . import wording

HEADERS = {"X-FakeScope-Client": "fakescope-cli"}
TERMINAL = ("done", "failed", "cancelled")
POLL_S = 0.5   # long-poll window: returns at once on a stage change, else refreshes the bar twice a second


class CheckError(Exception):
    """A problem to print as one line on stderr, with an exit status (2: bad input or no server)."""

    def __init__(self, message: str, status: int = 2):
        super().__init__(message)
        self.status = status


def validate_target(target: str) -> Path | None:
    """A local file (returned) or an http(s) URL (None). Raises CheckError for anything else."""
    if target.startswith(("http://", "https://")):
        return None
    path = Path(target)
    if path.is_dir():
        raise CheckError(f"{target} is a folder; give one media file or URL")
    if not path.exists():
        raise CheckError(f"{target}: no such file (and not an http(s) URL)")
    try:
        size = path.stat().st_size
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise CheckError(f"cannot read {target}: {exc.strerror or exc}") from None
    if size == 0:
        raise CheckError(f"{target}: the file is empty (0 bytes)")
    return path


def default_server() -> str:
    """The address `fakescope serve` uses by default (FAKESCOPE_HOST / FAKESCOPE_PORT respected)."""
    from .config import Settings

    s = Settings.from_env()
    host = "127.0.0.1" if s.host in ("0.0.0.0", "::", "") else s.host
    return f"http://{'[' + host + ']' if ':' in host else host}:{s.port}"


def find_server(api) -> dict | None:
    """The server's /health if a FakeScope server answers there, else None (nothing listening, or
    something else)."""
    from .cli_http import ApiUnreachable

    try:
        r = api.get("/api/v1/health", timeout=5)
    except ApiUnreachable:
        return None
    body = r.json() if r.status == 200 else None
    if isinstance(body, dict) and body.get("status") == "ok" and "detectors" in body:
        return body
    return None


# -- via a running server -------------------------------------------------------------------------------

def check_remote(api, target: str, path: Path | None, kind: str, bar: "Bar") -> dict:
    from .cli_http import ApiUnreachable

    def lost(exc) -> CheckError:
        return CheckError(f"the server at {api.base} stopped answering: {exc}", 1)

    for attempt in itertools.count():
        try:
            if path is not None:
                r = api.post_file("/api/v1/checks", path, {"kind": kind}, HEADERS, timeout=300)
            else:
                r = api.post_json("/api/v1/checks", {"url": target, "kind": kind}, timeout=60)
        except ApiUnreachable as exc:
            raise lost(exc) from None
        if r.status == 429 and attempt < 30:  # busy: wait as told, with the bar showing why
            bar.draw(0.0, "server busy, waiting")
            time.sleep(min(float(r.headers.get("retry-after", "2") or 2), 10))
            continue
        break
    body = r.json()
    if r.status >= 400 or not isinstance(body, dict) or "id" not in body:
        err = (body.get("error") or {}) if isinstance(body, dict) else {}
        raise CheckError(f"{err.get('message') or f'HTTP {r.status}'} ({err.get('code', r.status)})", 1)
    check_id = body["id"]
    try:
        while body["status"] not in TERMINAL:
            bar.draw(body.get("progress") or 0.0, body.get("stage") or "")
            try:  # returns at once when the stage changes, else after POLL_S with the current progress
                r = api.get(f"/api/v1/checks/{check_id}", params={"wait": POLL_S, "stage": body.get("stage") or ""},
                            timeout=POLL_S + 30)
            except ApiUnreachable as exc:
                raise lost(exc) from None
            got = r.json()
            if r.status >= 400 or not isinstance(got, dict) or "status" not in got:
                err = (got.get("error") or {}) if isinstance(got, dict) else {}
                raise CheckError(f"the server lost check {check_id}: {err.get('message') or r.status}", 1)
            body = got
    except KeyboardInterrupt:
        bar.clear()
        with contextlib.suppress(Exception):
            api.request("DELETE", f"/api/v1/checks/{check_id}", timeout=5)
        raise CheckError("cancelled", 130) from None
    finally:
        bar.clear()
    return body


# -- in this process ------------------------------------------------------------------------------------

def check_local(settings, target: str, path: Path | None, kind: str, bar: "Bar") -> dict:
    from .app import build_service
    from .jobs import Job
    from .media.acquire import Source
    from .modelstore import ModelError
    from .store import new_id

    try:
        svc = build_service(settings)
    except ModelError as exc:
        raise CheckError(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - a model that will not load: one line, not a traceback
        raise CheckError(f"cannot load the models: {exc}") from None
    workdir = svc.pipeline.new_workdir()
    if path is not None:
        upload = workdir / "upload.bin"
        shutil.copyfile(path, upload)
        source = Source(kind=kind, upload=upload, filename=path.name)
    else:
        source = Source(kind=kind, url=target)
    check_id = new_id()
    svc.store.create_check(check_id, kind, source.describe())
    job = Job(check_id, {"source": source, "workdir": workdir})
    worker = threading.Thread(target=svc.pipeline.run, args=(job,), daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            live = job.live()
            bar.draw(live["progress"], live["stage"])
            worker.join(0.2)
    except KeyboardInterrupt:
        job.cancel()
        worker.join(30)
    finally:
        bar.clear()
        check = svc.store.get(check_id)
        svc.close()
    if check["status"] == "cancelled":
        raise CheckError("cancelled", 130)
    return check


# -- output ---------------------------------------------------------------------------------------------

class Bar:
    """One-line progress bar on an interactive stderr. It redraws at least every half second with the
    elapsed time and a spinner, so it visibly moves even while one long stage (a decode) reports nothing."""

    def __init__(self, stream, enabled: bool):
        self.stream, self.enabled = stream, enabled
        self.t0 = time.monotonic()
        self.spin = itertools.cycle("|/-\\")
        self.drawn = False

    def draw(self, progress: float, stage: str) -> None:
        if not self.enabled:
            return
        filled = int(max(0.0, min(1.0, progress)) * 30)
        line = (f"\r{next(self.spin)} [{'#' * filled}{'.' * (30 - filled)}] {progress:4.0%} {stage[:22]:<22} "
                f"{time.monotonic() - self.t0:5.1f} s")
        self.stream.write(line)
        self.stream.flush()
        self.drawn = True

    def clear(self) -> None:
        if self.enabled and self.drawn:
            self.stream.write("\r" + " " * 78 + "\r")
            self.stream.flush()
            self.drawn = False


def readable(check: dict) -> str:
    """The verdict for a person, in the one vocabulary (server/wording.py): the headline with a labelled score,
    one plain line per track, then "Technical details" (detector names, versions, raw scores, the media)."""
    if check["status"] != "done":
        err = check.get("error") or {}
        return f"check {check['status']}: {err.get('message', '')} ({err.get('code', '')})"
    r = check["result"]
    verdict, score = r["verdict"], r.get("score")
    lines = []
    for ev in r.get("evidence") or []:
        lines.append(f"Evidence: {ev.get('sentence') or ev.get('detail') or ev}")
    if verdict == "not_applicable":
        lines.append(wording.headline(verdict, r.get("plain_reason") or r.get("reason")))
    elif r.get("basis") == "provenance":
        lines.append(f"{wording.label(verdict)}: the file's own metadata says it was AI-generated (evidence above)")
    elif score is None:  # only advisory models applied: none is reliable enough to decide
        lines.append(f"{wording.label(verdict)}: no model that applies is reliable enough on unseen generators "
                     "to decide (advisory results below)")
    else:
        lines.append(f"{wording.label(verdict)}: {wording.score_label(score)} "
                     "(the calibrated probability of manipulation: an estimate, not a certainty)")
    lines += [f"  {line}" for line in wording.track_lines(r)]
    lines.append("Technical details:")
    m = r["media"]
    lines.append(f"  media: {m['kind']} {m['mime']} {m['size_bytes']:,} bytes sha256 {m['sha256'][:16]}"
                 + (" (cached result)" if check.get("cached") else ""))
    if r.get("deciding_detector") and r.get("basis") == "models":
        lines.append(f"  deciding model: {r['deciding_detector']} (highest deciding score {score:.3f})")
    for d in r["detectors"]:
        about = d.get("about") or {}
        raw = "-" if d["score"] is None else f"{d['score']:.3f}"
        reason = d.get("plain_reason") or d.get("reason")
        flag = ""
        if d.get("advisory"):
            flag = "  [experimental: worse than chance on unseen generators, not used]" if about.get("experimental") \
                else "  [advisory: not used for the verdict]"
        lines.append(f"  {d['detector']:<18} {d.get('model_version') or '-':<12} {wording.words(d['verdict']):<19} "
                     f"score {raw:<6}" + (f"  ({reason})" if reason else "") + flag)
    return "\n".join(lines)


def run(args, settings_for) -> int:
    """The `check` command. `settings_for(**extra)` builds Settings from the command line."""
    from .cli_http import Api
    from .cli_quiet import native_stderr_filtered

    err = sys.stderr
    try:
        path = validate_target(args.target)
        explicit_local = args.local or args.models_dir is not None or args.data_dir is not None
        if args.server and explicit_local:
            raise CheckError("--server cannot be combined with --local, --models or --data-dir")
        server = None if explicit_local else (args.server or default_server())
        try:
            api = Api(server) if server else None
        except ValueError as exc:
            raise CheckError(str(exc)) from None
        health = find_server(api) if api else None
        if args.server and health is None:
            raise CheckError(f"no FakeScope server answers at {args.server} (start one with `fakescope serve`)")
        if health is not None:
            print(f"fakescope: checking with the FakeScope server at {server} (version {health.get('version')})",
                  file=err, flush=True)
            if getattr(args, "allow_private_addresses", None):
                # The API takes no such switch per check: say so rather than ignore it silently.
                print(f"fakescope: notice: --allow-private-addresses does not apply here: the running server at "
                      f"{server} uses its own setting (start it with `fakescope serve --allow-private-addresses` "
                      "to let it fetch private addresses, or add --local)", file=err, flush=True)
            check = check_remote(api, args.target, path, args.kind, Bar(err, err.isatty()))
        else:
            why = "as asked" if explicit_local else f"no FakeScope server at {server}"
            print(f"fakescope: {why}; loading the models in this process (slower: `fakescope serve` keeps them "
                  "loaded)", file=err, flush=True)
            with native_stderr_filtered(enabled=not args.verbose) as live:
                check = check_local(settings_for(workers=1), args.target, path, args.kind, Bar(live, live.isatty()))
    except CheckError as exc:
        print(f"fakescope: {exc}", file=err)
        return exc.status
    except KeyboardInterrupt:
        print("\nfakescope: cancelled", file=err)
        return 130
    if args.json:
        print(json.dumps(check, indent=2))
    elif check["status"] == "done":
        print(readable(check))
    if check["status"] != "done":
        print(f"fakescope: {readable(check)}", file=err)
        return 1
    return 0
