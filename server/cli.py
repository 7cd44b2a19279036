"""The `fakescope` command: serve, check, models, feedback export; train/evaluate go to training.cli."""
from __future__ import annotations

import argparse
import csv
import json
import logging
import shutil
import signal
import sys
import threading
from pathlib import Path

from . import __version__
from .config import Settings


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("train", "evaluate"):
        from training.cli import main as training_main  # lazy: serving never imports the training stack

        return int(training_main(argv) or 0)
    args = _parser().parse_args(argv)
    if not getattr(args, "func", None):
        _parser().print_help()
        return 2
    return int(args.func(args) or 0)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fakescope", description="Local deepfake checks for images, video and audio.")
    p.add_argument("--version", action="version", version=f"fakescope {__version__}")
    sub = p.add_subparsers(dest="command")

    s = sub.add_parser("serve", help="run the local inference server (waitress)")
    s.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=None, help="port (default 8765)")
    _common(s)
    s.add_argument("--workers", type=int, default=None, help="checks run in parallel (default 2)")
    s.add_argument("--allow-private-addresses", action="store_true", default=None,
                   help="let the server download from private/loopback addresses (testing only)")
    s.set_defaults(func=cmd_serve)

    c = sub.add_parser("check", help="check one file or URL in-process")
    c.add_argument("target", help="a local file, a media URL or a page URL")
    c.add_argument("--kind", choices=("image", "video", "audio", "auto"), default="auto")
    c.add_argument("--json", action="store_true", help="print the check object as JSON")
    _common(c)
    c.add_argument("--allow-private-addresses", action="store_true", default=None)
    c.set_defaults(func=cmd_check)

    m = sub.add_parser("models", help="list the models the manifest pins, verified, with measured metrics")
    _common(m)
    m.set_defaults(func=cmd_models)

    f = sub.add_parser("feedback", help="user feedback on verdicts")
    fsub = f.add_subparsers(dest="feedback_command", required=True)
    e = fsub.add_parser("export", help="write flagged media and labels.csv to DIR")
    e.add_argument("dir", type=Path)
    _common(e)
    e.set_defaults(func=cmd_feedback_export)
    for name in ("train", "evaluate"):
        sub.add_parser(name, help=f"{name} a model (see `fakescope {name} --help`)")
    return p


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--models", dest="models_dir", type=Path, default=None, help="models directory with manifest.json")
    p.add_argument("--data-dir", type=Path, default=None, help="store and media copies (default: user data dir)")


def _settings(args, **extra) -> Settings:
    keys = ("host", "port", "models_dir", "data_dir", "workers", "allow_private_addresses")
    return Settings.from_env(**{**{k: getattr(args, k, None) for k in keys}, **extra})


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def cmd_serve(args) -> int:
    import waitress

    from .app import create_app
    from .modelstore import ModelError

    _logging()
    settings = _settings(args)
    try:
        app = create_app(settings)
    except ModelError as exc:
        print(f"fakescope: refusing to start: {exc}", file=sys.stderr)
        return 2
    # SIGTERM -> the same clean exit as Ctrl-C, so in-flight checks are cancelled and temp dirs removed.
    signal.signal(signal.SIGTERM, _interrupt)
    print(f"FakeScope {__version__} serving on http://{settings.host}:{settings.port}", flush=True)
    try:
        waitress.serve(app, host=settings.host, port=settings.port, threads=settings.threads, ident="fakescope",
                       channel_timeout=120)
    except KeyboardInterrupt:
        pass
    finally:
        app.extensions["fakescope"].close()
    return 0


def _interrupt(*_args) -> None:
    raise KeyboardInterrupt


def cmd_check(args) -> int:
    from .app import build_service
    from .jobs import Job
    from .media.acquire import Source
    from .modelstore import ModelError
    from .store import new_id

    logging.basicConfig(level=logging.WARNING)
    try:
        svc = build_service(_settings(args, workers=1))
    except ModelError as exc:
        print(f"fakescope: {exc}", file=sys.stderr)
        return 2
    workdir = svc.pipeline.new_workdir()
    local = Path(args.target)
    if local.is_file():
        upload = workdir / "upload.bin"
        shutil.copyfile(local, upload)
        source = Source(kind=args.kind, upload=upload, filename=local.name)
    elif args.target.startswith(("http://", "https://")):
        source = Source(kind=args.kind, url=args.target)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
        print(f"fakescope: {args.target} is neither a file nor an http(s) URL", file=sys.stderr)
        return 2
    check_id = new_id()
    svc.store.create_check(check_id, args.kind, source.describe())
    job = Job(check_id, {"source": source, "workdir": workdir})
    worker = threading.Thread(target=svc.pipeline.run, args=(job,), daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            _progress_bar(job)
            worker.join(0.2)
    except KeyboardInterrupt:
        job.cancel()
        worker.join(30)
    finally:
        print("\r" + " " * 70 + "\r", end="", file=sys.stderr, flush=True)
        svc.close()
    check = svc.store.get(check_id)
    if args.json:
        print(json.dumps(check, indent=2))
    else:
        print(_readable(check))
    return 0 if check["status"] == "done" else 1


def _progress_bar(job) -> None:
    live = job.live()
    filled = int(live["progress"] * 30)
    print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {live['progress']:4.0%} {live['stage']:<20}",
          end="", file=sys.stderr, flush=True)


def _readable(check: dict) -> str:
    if check["status"] != "done":
        err = check.get("error") or {}
        return f"check {check['status']}: {err.get('message', '')} ({err.get('code', '')})"
    r = check["result"]
    lines = []
    if r["verdict"] == "not_applicable":
        lines.append(f"Not applicable: {r['reason']}")
    else:
        words = {"likely_fake": "Likely manipulated", "likely_real": "Likely authentic", "uncertain": "Uncertain"}
        if r["score"] is None:  # only advisory models applied: none is reliable enough to decide
            lines.append(f"{words[r['verdict']]}: no model that applies is reliable enough on unseen generators "
                         "to decide (advisory scores below)")
        else:
            lines.append(f"{words[r['verdict']]}: probability of manipulation {r['score']:.0%} "
                         f"(a calibrated estimate, not a certainty; decided by {r['deciding_detector']})")
    m = r["media"]
    lines.append(f"media: {m['kind']} {m['mime']} {m['size_bytes']:,} bytes sha256 {m['sha256'][:16]}"
                 + (" (cached result)" if check["cached"] else ""))
    for d in r["detectors"]:
        score = "-" if d["score"] is None else f"{d['score']:.3f}"
        lines.append(f"  {d['detector']:<20} {d['verdict']:<15} score {score:<6} model {d.get('model_version') or '-'}"
                     + (f"  ({d['reason']})" if d.get("reason") else "")
                     + ("  [advisory: not used for the verdict]" if d.get("advisory") else ""))
    return "\n".join(lines)


def cmd_models(args) -> int:
    from . import modelstore

    settings = _settings(args)
    try:
        manifest = modelstore.read_manifest(settings.models_dir)
    except modelstore.ModelError as exc:
        print(f"fakescope: {exc}", file=sys.stderr)
        return 2
    if not manifest:
        print(f"no models in {settings.models_dir}/manifest.json (train and evaluate one first)")
    bad = 0
    for key, entry in sorted(manifest.items()):
        try:
            modelstore.verify(settings.models_dir, key, entry)
            state = "verified"
        except modelstore.ModelError as exc:
            state, bad = f"INVALID: {exc}", bad + 1
        metrics = ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                            for k, v in (entry.get("metrics") or {}).items() if not isinstance(v, (dict, list)))
        print(f"{key:<16} v{entry.get('version', '?'):<10} {entry.get('format', '?'):<6} "
              f"sha256 {str(entry.get('sha256'))[:12]}  {state}")
        if metrics:
            print(f"{'':<16} {metrics}")
    return 1 if bad else 0


def cmd_feedback_export(args) -> int:
    from .store import Store

    settings = _settings(args)
    store = Store(settings.db_path)
    out: Path = args.dir
    out.mkdir(parents=True, exist_ok=True)
    items = store.feedback_items()
    written = missing = 0
    with open(out / "labels.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "sha256", "label", "y", "verdict_given", "source_url", "created_at", "comment"])
        for it in items:
            name = ""
            if it["file"] is not None and Path(it["file"]).exists():
                name = Path(it["file"]).name
                shutil.copyfile(it["file"], out / name)
                written += 1
            else:
                missing += 1
            w.writerow([name, it["sha256"], it["label"], 1 if it["label"] == "fake" else 0, it["verdict"] or "",
                        it["source_url"], it["created_at"], it["comment"] or ""])
    store.close()
    print(f"exported {len(items)} feedback item(s) to {out} ({written} media files"
          + (f", {missing} no longer kept)" if missing else ")"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
