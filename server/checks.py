"""The check pipeline: acquire -> Media -> every applicable detector -> verdict.combine -> result, with
progress, cancellation, caching by sha256 + model versions, and temp-dir cleanup on every path."""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

from . import explain, modelstore, verdict
from .config import Settings
from .detectors import Cancelled, Context, Detector, discover
from .errors import ApiError, disk_full
from .jobs import Job
from .media.acquire import Source, acquire
from .media.decode import DecodeError
from .store import Store, process_alive

log = logging.getLogger("fakescope.checks")
ACQUIRE_SHARE = 0.3  # progress bar: acquisition fills 0..0.3, detectors 0.3..1
WORKDIR_PREFIX = "fakescope-check-"


def load_detectors(models_dir: Path) -> tuple[list[Detector], dict]:
    """Build every registered detector whose model the manifest pins (or that needs none).

    Returns (detectors, {manifest key: entry} of loaded models). A pinned file that is missing or altered
    raises ModelError: the server refuses to start rather than serve unverified weights."""
    manifest = modelstore.read_manifest(models_dir)
    detectors, loaded = [], {}
    for name, cls in sorted(discover().items()):
        if cls.model_key is not None and cls.model_key not in manifest:
            log.warning("detector %s skipped: model %r is not in %s/manifest.json", name, cls.model_key, models_dir)
            continue
        model, entry, extra = None, {}, {}
        if cls.model_key is not None:
            entry = manifest[cls.model_key]
            model = modelstore.load_model(models_dir, cls.model_key, entry)
            loaded[cls.model_key] = entry
        for key in cls.extra_models + cls.optional_models:
            if key not in manifest:
                if key in cls.optional_models:
                    continue
                raise modelstore.ModelError(f"detector {name} needs model {key!r}, absent from the manifest")
            extra[key] = modelstore.load_model(models_dir, key, manifest[key])
            loaded[key] = manifest[key]
        det = cls(model=model, entry=entry, extra=extra)
        det.warmup()
        detectors.append(det)
        log.info("detector %s ready (model %s, version %s)", name, cls.model_key or "none", det.version or "-")
    return detectors, loaded


class Pipeline:
    def __init__(self, settings: Settings, store: Store, detectors: list[Detector]):
        self.settings = settings
        self.store = store
        self.detectors = detectors
        versions = {d.name: d.version for d in detectors}
        self.versions_key = json.dumps(versions, sort_keys=True)

    def cache_key(self, sha256: str, kind: str) -> str:
        return f"{sha256}:{kind}:{self.versions_key}"

    def applicable(self, kind: str) -> list[Detector]:
        return [d for d in self.detectors if kind in d.kinds]

    @staticmethod
    def new_workdir() -> Path:
        """Per-check temp dir under $TMPDIR, named after this process; removed by run() whatever happens
        (and, after a kill, by the next start: remove_stale_workdirs)."""
        return Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-"))

    @staticmethod
    def remove_stale_workdirs() -> int:
        """Remove the temp dirs of checks whose server process is gone (killed mid-check); return how many.
        Called at start-up; dirs of live processes (another server sharing $TMPDIR) are left alone."""
        removed = 0
        for d in Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*-*"):
            pid = d.name[len(WORKDIR_PREFIX):].split("-", 1)[0]
            if d.is_dir() and pid.isdigit() and not process_alive(int(pid)):
                shutil.rmtree(d, ignore_errors=True)
                removed += 1
        return removed

    def run(self, job: Job) -> None:
        """Run one check to a terminal state recorded in the store. Never raises."""
        source: Source = job.payload["source"]
        workdir: Path = job.payload["workdir"]
        started = time.monotonic()
        outcome = "failed"
        try:
            if job.cancelled.is_set():
                raise Cancelled()
            job.set(status="running", stage="downloading" if source.upload is None else "decoding")
            self.store.update(job.id, status="running", stage=job.stage)
            result, cached = self._check(job, source, workdir, started)
            if job.cancelled.is_set():
                raise Cancelled()
            self.store.update(job.id, status="done", stage="done", progress=1.0, result=result, cached=cached,
                              sha256=result["media"]["sha256"],
                              cache_key=self.cache_key(result["media"]["sha256"], result["media"]["kind"]),
                              kind=result["media"]["kind"])
            job.set(status="done", stage="done", progress=1.0)
            outcome = f"{result['verdict']} score={result['score']}" + (" (cached)" if cached else "")
        except Cancelled:
            self._end(job, "cancelled", None)
            outcome = "cancelled"
        except ApiError as exc:
            self._end(job, "failed", exc.to_dict())
            outcome = f"failed {exc.code}: {exc.message}"
        except DecodeError as exc:
            self._end(job, "failed", {"code": "decode_failed", "message": str(exc)})
            outcome = f"failed decode_failed: {exc}"
        except Exception as exc:  # noqa: BLE001 - bad input must never take a worker down
            full = disk_full(exc)
            if full is not None:
                log.warning("check %s: %s (%s)", job.id, full.message, exc)
                self._end(job, "failed", full.to_dict())
                outcome = "failed disk_full"
            else:
                log.exception("check %s crashed", job.id)
                self._end(job, "failed", {"code": "internal", "message": "internal error while checking; see the server log"})
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            where = source.url or source.page_url or f"upload {source.filename or ''}".strip()
            log.info("check %s %s %s in %.2fs (%s)", job.id, source.kind, outcome, time.monotonic() - started, where)

    def _end(self, job: Job, status: str, error: dict | None) -> None:
        if job.cancelled.is_set():
            status, error = "cancelled", None
        self.store.update(job.id, status=status, stage=status, error=error)  # store first: pollers read it next
        job.set(status=status, stage=status)
        if status == "cancelled":
            job.cancel()

    def _check(self, job: Job, source: Source, workdir: Path, started: float) -> tuple[dict, bool]:
        def report(stage: str, fraction: float) -> None:
            if job.cancelled.is_set():
                raise Cancelled()
            base = 0.0 if stage == "downloading" else 0.8 * ACQUIRE_SHARE
            span = 0.8 * ACQUIRE_SHARE if stage == "downloading" else 0.2 * ACQUIRE_SHARE
            job.set(stage=stage, progress=base + span * fraction)

        timings: dict = {}
        t = time.monotonic()
        media = acquire(source, workdir, self.settings, report)
        acquired = time.monotonic() - t
        timings["download"] = round(acquired if source.upload is None else 0.0, 3)
        timings["decode"] = round(0.0 if source.upload is None else acquired, 3)

        self._keep(media)
        cached = self.store.cached_result(self.cache_key(media.sha256, media.kind))
        if cached is not None:
            return cached, True
        result = self.score(media, job, timings)
        result["timings"]["total"] = round(time.monotonic() - started, 3)
        return result, False

    def score(self, media, job: Job | None, timings: dict) -> dict:
        """Run the applicable detectors on an acquired Media and combine their verdicts."""
        # The face model runs before the whole-image model: when it speaks for a face picture (content
        # routing, verdict.face_speaks_for_picture) the whole-image encoder call is not paid at all.
        track = {d.name: verdict.track_of({"detector": d.name})[0] for d in self.applicable(media.kind)}
        dets = sorted(self.applicable(media.kind), key=lambda d: track[d.name] != "faces")
        results = []
        for i, det in enumerate(dets):
            face = next((r for r in results if track[r["detector"]] == "faces"), None)
            if track[det.name] == "picture" and verdict.face_speaks_for_picture(face):
                results.append(det.not_applicable(verdict.ROUTED_AWAY))
                continue
            def report(stage, fraction, i=i):
                if job is not None:
                    job.set(stage=stage, progress=ACQUIRE_SHARE + (1 - ACQUIRE_SHARE) * (i + fraction) / len(dets))

            ctx = Context(report=report, is_cancelled=(job.cancelled.is_set if job else (lambda: False)),
                          settings={"max_video_seconds": self.settings.max_video_seconds,
                                    "every_seconds": self.settings.video_every_seconds,
                                    "max_frames": self.settings.video_max_frames})
            ctx.progress(f"scoring {media.kind}", 0.0)
            t = time.monotonic()
            try:
                results.append(det.predict(media, ctx))
            except (Cancelled, ApiError, DecodeError):
                raise
            except Exception as exc:  # noqa: BLE001 - one broken detector must not sink the others
                log.exception("detector %s failed on %s", det.name, media.sha256[:12])
                results.append(det.not_applicable(f"the detector failed on this file ({type(exc).__name__})"))
            timings[det.name] = round(time.monotonic() - t, 3)
        combined = verdict.combine(results, media.kind)
        result = {**combined, "detectors": results, "media": media.describe(), "timings": timings,
                  "model_versions": {d.name: d.version for d in dets}}
        return explain.annotate(result, explain.detector_index(dets))

    def _keep(self, media) -> None:
        try:
            self.store.keep_media(media.sha256, media.path, media.mime, self.settings.keep_media_checks,
                                  self.settings.keep_media_bytes)
        except OSError:  # a full disk must not fail the check itself; feedback export will lack this file
            log.warning("could not keep a copy of %s for feedback export", media.sha256[:12], exc_info=True)
