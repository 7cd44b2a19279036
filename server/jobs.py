"""Bounded worker pool for checks: a fixed number of worker threads and a bounded queue (full -> "busy").
Live progress and stage are kept in memory (cheap to update per frame); the store gets each state change."""
from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable

from .errors import ApiError

log = logging.getLogger("fakescope.jobs")
TERMINAL = ("done", "failed", "cancelled")


class Job:
    """One check in flight. `cancelled` is an Event the pipeline polls between chunks, frames and stages."""

    def __init__(self, check_id: str, payload):
        self.id = check_id
        self.payload = payload          # what the pipeline needs (acquire.Source and its temp dir)
        self.status = "queued"
        self.stage = "queued"
        self.progress = 0.0
        self.cancelled = threading.Event()
        self._changed = threading.Condition()

    def set(self, *, status: str | None = None, stage: str | None = None, progress: float | None = None) -> None:
        with self._changed:
            if self.status == "cancelled":
                return  # a cancel is final even if the worker is still unwinding
            if status:
                self.status = status
            if stage:
                self.stage = stage
            if progress is not None:
                self.progress = max(self.progress, min(1.0, progress))
            self._changed.notify_all()

    def cancel(self) -> None:
        self.cancelled.set()
        with self._changed:
            if self.status not in TERMINAL:
                self.status, self.stage = "cancelled", "cancelled"
            self._changed.notify_all()

    def wait_terminal(self, timeout: float, seen_stage: str | None = None) -> bool:
        """Block until the check ends or `timeout` passes; with `seen_stage`, also return as soon as the
        stage differs from it, so a long-poll can show progress without polling fast."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.status not in TERMINAL and (seen_stage is None or self.stage == seen_stage):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def live(self) -> dict:
        return {"status": self.status, "stage": self.stage, "progress": round(self.progress, 3)}


class JobPool:
    def __init__(self, run: Callable[[Job], None], workers: int = 2, queue_size: int = 16):
        self._run = run
        self._queue: queue.Queue[Job | None] = queue.Queue(maxsize=max(1, queue_size))
        self._active: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._running = 0
        self._threads = [threading.Thread(target=self._work, name=f"fakescope-worker-{i}", daemon=True)
                         for i in range(max(1, workers))]
        for t in self._threads:
            t.start()

    @property
    def workers(self) -> int:
        return len(self._threads)

    def depth(self) -> int:
        """Checks waiting plus checks running."""
        with self._lock:
            return self._queue.qsize() + self._running

    def submit(self, job: Job) -> None:
        with self._lock:
            self._active[job.id] = job
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            with self._lock:
                self._active.pop(job.id, None)
            raise ApiError("busy", "the server is busy with other checks; try again shortly",
                           retry_after=self._retry_after()) from None

    def _retry_after(self) -> int:
        return max(1, min(60, 2 * (self._queue.qsize() + self._running) // max(1, self.workers)))

    def get(self, check_id: str) -> Job | None:
        with self._lock:
            return self._active.get(check_id)

    def cancel(self, check_id: str) -> bool:
        job = self.get(check_id)
        if job is None:
            return False
        job.cancel()
        return True

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            with self._lock:
                self._running += 1
            try:
                self._run(job)  # the pipeline records every outcome itself; this only guards the thread
            except BaseException:  # noqa: BLE001 - a worker must outlive any check
                log.exception("worker crashed on check %s", job.id)
            finally:
                job.set(status=job.status if job.status in TERMINAL else "failed")
                with self._lock:
                    self._running -= 1
                    self._active.pop(job.id, None)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel everything in flight and wait for workers to clean up their temp dirs."""
        with self._lock:
            jobs = list(self._active.values())
        for job in jobs:
            job.cancel()
        for _ in self._threads:
            try:
                self._queue.put_nowait(None)
            except queue.Full:
                break
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
