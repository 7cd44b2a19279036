"""App factory: load and verify models, open the store, start the worker pool, mount the API."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask

from .checks import Pipeline, load_detectors
from .config import Settings
from .jobs import JobPool
from .store import Store

log = logging.getLogger("fakescope")


@dataclass
class Service:
    """Everything a request handler needs, stored on app.extensions["fakescope"]."""

    settings: Settings
    store: Store
    pipeline: Pipeline
    pool: JobPool
    models: dict  # manifest key -> entry, for the models actually loaded

    def close(self) -> None:
        self.pool.shutdown()
        self.store.close()


def verify_encoders(models_dir) -> None:
    """With models to serve, re-hash the pretrained encoders they run on against their pins (about a second
    for both): `fakescope encoders` trusts its ".verified" marker to start fast, so a weight file altered
    after the fetch would otherwise be served. Raises ModelError naming the file."""
    from . import modelstore

    if not modelstore.read_manifest(models_dir):
        return
    from .encoders import ARTIFACTS, ArtifactError, artifacts

    for name in ARTIFACTS:
        try:
            artifacts.ensure(name)  # a first `check --local` fetches them here (a no-op once they are ready)
            artifacts.verify(name)
        except ArtifactError as exc:
            raise modelstore.ModelError(f"encoder {exc}") from None


def build_service(settings: Settings) -> Service:
    """Models and encoders first (refuse to start on a missing or altered file), then store and workers."""
    verify_encoders(settings.models_dir)
    detectors, models = load_detectors(settings.models_dir)
    store = Store(settings.db_path)
    recovered = store.recover_interrupted()
    if recovered:
        log.warning("marked %d check(s) left unfinished by a previous run as failed (interrupted)", recovered)
    stale = Pipeline.remove_stale_workdirs()
    if stale:
        log.warning("removed %d temp folder(s) of checks interrupted by a previous run", stale)
    pipeline = Pipeline(settings, store, detectors)
    pool = JobPool(pipeline.run, workers=settings.workers, queue_size=settings.queue_size)
    return Service(settings, store, pipeline, pool, models)


def create_app(settings: Settings | None = None) -> Flask:
    from .api import api, install_security, register_error_handlers

    settings = settings or Settings.from_env()
    app = Flask("fakescope")
    # Werkzeug refuses bigger bodies with 413 before reading them; the per-kind cap is checked after sniffing.
    app.config["MAX_CONTENT_LENGTH"] = settings.largest_cap + 1_000_000
    app.json.sort_keys = False
    app.extensions["fakescope"] = build_service(settings)
    install_security(app, settings.host, settings.port)
    register_error_handlers(app)
    app.register_blueprint(api)
    return app
