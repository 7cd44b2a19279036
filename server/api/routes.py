"""Routes of /api/v1. Handlers validate input, talk to the service (store, pool, pipeline) and answer JSON;
all errors are raised as ApiError and rendered by api.errors."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request

from .. import __version__, explain
from ..errors import ApiError
from ..jobs import Job
from ..media.acquire import Source, sniff_kind
from ..media.fetch import too_large
from ..media.guard import check_url
from ..store import new_id

api = Blueprint("api", __name__, url_prefix="/api/v1")
REQUEST_KINDS = ("image", "video", "audio", "auto")
OPENAPI = Path(__file__).resolve().parent.parent / "openapi.json"


def service():
    return current_app.extensions["fakescope"]


@api.get("/health")
def health():
    svc = service()
    return jsonify({"status": "ok", "version": __version__,
                    "models": [{"key": k, "version": e.get("version"), "sha256": e.get("sha256")}
                               for k, e in sorted(svc.models.items())],
                    "detectors": [d.name for d in svc.pipeline.detectors],
                    "about": {d.name: explain.about(d.name, d.model_key, d.entry, d.advisory) for d in svc.pipeline.detectors},
                    "queue_depth": svc.pool.depth(), "workers": svc.pool.workers})


@api.get("/openapi.json")
def openapi():
    return Response(OPENAPI.read_bytes(), mimetype="application/json")


@api.get("/models/<key>/card")
def model_card(key: str):
    """A loaded model's card (markdown, written by `fakescope evaluate`): what the badge's card link opens."""
    svc = service()
    entry = svc.models.get(key)
    root = Path(svc.settings.models_dir).resolve()
    card = (root / entry["card"]).resolve() if entry and entry.get("card") else None
    if card is None or root not in card.parents or not card.is_file():
        raise ApiError("not_found", f"no model card for {key!r}; loaded models: {', '.join(sorted(svc.models))}")
    return Response(card.read_text(encoding="utf-8"), mimetype="text/markdown")


@api.post("/checks")
def create_check():
    svc = service()
    if request.mimetype == "multipart/form-data":
        return _create_from_upload(svc)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError("bad_request", "the body must be a JSON object")
    kind = _kind(body.get("kind"))
    url, page_url = body.get("url"), body.get("page_url")
    for name, value in (("url", url), ("page_url", page_url)):
        if value is not None and (not isinstance(value, str) or len(value) > 8192):
            raise ApiError("bad_request", f"{name} must be a string URL")
    if not url and not page_url:
        raise ApiError("bad_request", "give a url or a page_url")
    for value in (url, page_url):
        if value:  # refuse private targets before queuing anything; acquisition re-checks every hop
            check_url(value, svc.settings.allow_private_addresses)
    source = Source(kind=kind, url=url or None, page_url=page_url or None)
    check_id = new_id()
    svc.store.create_check(check_id, kind, source.describe())
    return _enqueue(svc, check_id, source, svc.pipeline.new_workdir())


def _create_from_upload(svc):
    upload = request.files.get("media")
    if upload is None:
        raise ApiError("bad_request", "multipart uploads carry the media in the field 'media'")
    kind = _kind(request.form.get("kind"))
    workdir = svc.pipeline.new_workdir()
    try:
        path, sha = _save_upload(upload.stream, workdir / "upload.bin",
                                 svc.settings.max_bytes(kind) if kind != "auto" else svc.settings.largest_cap)
        resolved, _mime = sniff_kind(path, kind)
        if path.stat().st_size > svc.settings.max_bytes(resolved):
            raise too_large(svc.settings.max_bytes(resolved))
        filename = (upload.filename or "")[:255] or None
        source = Source(kind=kind, upload=path, filename=filename, upload_sha256=sha)
        check_id = new_id()
        cached = svc.store.cached_result(svc.pipeline.cache_key(sha, resolved))
        if cached is not None:
            shutil.rmtree(workdir, ignore_errors=True)
            check = svc.store.create_check(check_id, resolved, source.describe(), status="done", result=cached,
                                           sha256=sha, cache_key=svc.pipeline.cache_key(sha, resolved), cached=True)
            return jsonify(check), 202
        svc.store.create_check(check_id, resolved, source.describe(), sha256=sha)
        return _enqueue(svc, check_id, source, workdir)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise


def _save_upload(stream, dest: Path, cap: int) -> tuple[Path, str]:
    h, size = hashlib.sha256(), 0
    with open(dest, "wb") as out:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            size += len(chunk)
            if size > cap:
                raise too_large(cap)
            h.update(chunk)
            out.write(chunk)
    if size == 0:
        raise ApiError("bad_request", "the uploaded file is empty (0 bytes)")
    return dest, h.hexdigest()


def _enqueue(svc, check_id: str, source: Source, workdir: Path):
    job = Job(check_id, {"source": source, "workdir": workdir})
    try:
        svc.pool.submit(job)
    except ApiError:
        svc.store.delete_check(check_id)  # a refused check never existed
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return jsonify(_check_object(svc, check_id)), 202


@api.get("/checks")
def list_checks():
    svc = service()
    limit, offset = _int_arg("limit", 20, 1, 100), _int_arg("offset", 0, 0, 10**9)
    items, total = svc.store.list(limit, offset)
    return jsonify({"items": [_overlay(svc, c) for c in items], "total": total, "limit": limit, "offset": offset})


@api.get("/checks/<check_id>")
def get_check(check_id: str):
    svc = service()
    raw = request.args.get("wait", "0")
    try:
        wait = max(0.0, min(float(raw), svc.settings.long_poll_max))
    except ValueError:
        raise ApiError("bad_request", "wait must be a number of seconds") from None
    job = svc.pool.get(check_id)
    if job is not None and wait > 0:
        job.wait_terminal(wait, request.args.get("stage") or None)
    return jsonify(_check_object(svc, check_id))


@api.delete("/checks/<check_id>")
def cancel_check(check_id: str):
    svc = service()
    check = _check_object(svc, check_id)  # 404 when unknown
    if check["status"] in ("queued", "running"):
        svc.pool.cancel(check_id)
        svc.store.update(check_id, status="cancelled", stage="cancelled")
    return jsonify(_check_object(svc, check_id))


@api.post("/feedback")
def feedback():
    svc = service()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError("bad_request", "the body must be a JSON object")
    check_id, label, comment = body.get("check_id"), body.get("label"), body.get("comment")
    if label not in ("fake", "real"):
        raise ApiError("bad_request", "label must be 'fake' or 'real'")
    if comment is not None and (not isinstance(comment, str) or len(comment) > 2000):
        raise ApiError("bad_request", "comment must be a string of at most 2000 characters")
    if not isinstance(check_id, str):
        raise ApiError("bad_request", "check_id is required")
    check = svc.store.get(check_id)
    if check is None:
        raise ApiError("not_found", f"no check {check_id}")
    if check["status"] != "done":
        raise ApiError("bad_request", "feedback applies to finished checks only", status=409)
    return jsonify(svc.store.add_feedback(check_id, label, comment)), 201


def _check_object(svc, check_id: str) -> dict:
    check = svc.store.get(check_id)
    if check is None:
        raise ApiError("not_found", f"no check {check_id}")
    return _overlay(svc, check)


def _overlay(svc, check: dict) -> dict:
    """Live progress/stage from the worker for checks in flight (the store holds state changes only)."""
    job = svc.pool.get(check["id"])
    if job is not None and check["status"] in ("queued", "running"):
        check.update(job.live())
        if job.status in ("done", "failed"):  # finished between the two reads: the store is authoritative
            check = svc.store.get(check["id"]) or check
    if check.get("result"):  # plain names, reasons, card links and evidence sentences (cached results too)
        explain.annotate(check["result"], explain.detector_index(svc.pipeline.detectors))
    return check


def _kind(value) -> str:
    kind = value or "auto"
    if kind not in REQUEST_KINDS:
        raise ApiError("bad_request", f"kind must be one of {', '.join(REQUEST_KINDS)}")
    return kind


def _int_arg(name: str, default: int, lo: int, hi: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        return max(lo, min(hi, int(raw)))
    except ValueError:
        raise ApiError("bad_request", f"{name} must be an integer") from None
