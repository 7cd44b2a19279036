"""SQLite store (stdlib sqlite3, WAL): check history, cached results keyed by media sha256 + kind + model
versions, user feedback, and a bounded copy of recent media so flagged files can be exported for retraining.
Every state change is one transaction, so a kill mid-check leaves whole rows; on startup, checks left
queued/running by a dead process are marked failed ("interrupted")."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS checks (
    id TEXT PRIMARY KEY, status TEXT NOT NULL, progress REAL NOT NULL DEFAULT 0, stage TEXT NOT NULL,
    kind TEXT NOT NULL, source TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL,
    cached INTEGER NOT NULL DEFAULT 0, result TEXT, error TEXT, sha256 TEXT, cache_key TEXT,
    owner_pid INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS checks_by_time ON checks (created_at DESC);
CREATE INDEX IF NOT EXISTS checks_by_cache ON checks (cache_key, status);
CREATE TABLE IF NOT EXISTS feedback (
    id TEXT PRIMARY KEY, check_id TEXT NOT NULL REFERENCES checks(id), label TEXT NOT NULL,
    comment TEXT, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS media (
    sha256 TEXT PRIMARY KEY, file TEXT NOT NULL, mime TEXT, size_bytes INTEGER NOT NULL, last_used REAL NOT NULL);
"""
TERMINAL = ("done", "failed", "cancelled")


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_id() -> str:
    return uuid.uuid4().hex[:16]


class Store:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.media_dir = self.path.parent / "media"
        self.media_dir.mkdir(exist_ok=True)
        self._local = threading.local()
        self._conn().executescript(SCHEMA)  # executescript manages its own transaction

    # One connection per thread: sqlite3 connections must not be shared across threads.
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    class _Tx:
        def __init__(self, conn):
            self.conn = conn

        def __enter__(self):
            self.conn.execute("BEGIN IMMEDIATE")
            return self.conn

        def __exit__(self, exc_type, *_):
            self.conn.execute("ROLLBACK" if exc_type else "COMMIT")

    def _tx(self):
        return self._Tx(self._conn())

    # --- checks -----------------------------------------------------------------------------------------
    def create_check(self, check_id: str, kind: str, source: dict, status: str = "queued", *,
                     result: dict | None = None, sha256: str | None = None, cache_key: str | None = None,
                     cached: bool = False) -> dict:
        now = time.time()
        with self._tx() as db:
            db.execute("INSERT INTO checks (id, status, progress, stage, kind, source, created_at, updated_at, "
                       "cached, result, sha256, cache_key, owner_pid) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       (check_id, status, 1.0 if status == "done" else 0.0, status if status != "done" else "done",
                        kind, json.dumps(source), now, now, int(cached), _dump(result), sha256, cache_key,
                        os.getpid()))
        return self.get(check_id)

    def update(self, check_id: str, **fields) -> None:
        """One transaction per state change. JSON fields (result, error) are serialised here."""
        fields["updated_at"] = time.time()
        for key in ("result", "error"):
            if key in fields:
                fields[key] = _dump(fields[key])
        if "cached" in fields:
            fields["cached"] = int(fields["cached"])
        cols = ", ".join(f"{k} = ?" for k in fields)
        with self._tx() as db:
            # A cancel is final: a worker finishing late must not overwrite it.
            db.execute(f"UPDATE checks SET {cols} WHERE id = ? AND status != 'cancelled'",
                       (*fields.values(), check_id))

    def delete_check(self, check_id: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM checks WHERE id = ?", (check_id,))

    def get(self, check_id: str) -> dict | None:
        row = self._conn().execute("SELECT * FROM checks WHERE id = ?", (check_id,)).fetchone()
        return _check(row) if row else None

    def list(self, limit: int, offset: int) -> tuple[list[dict], int]:
        db = self._conn()
        total = db.execute("SELECT COUNT(*) FROM checks").fetchone()[0]
        rows = db.execute("SELECT * FROM checks ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?",
                          (limit, offset)).fetchall()
        return [_check(r) for r in rows], total

    def cached_result(self, cache_key: str) -> dict | None:
        row = self._conn().execute("SELECT result FROM checks WHERE cache_key = ? AND status = 'done' "
                                   "AND result IS NOT NULL ORDER BY updated_at DESC LIMIT 1",
                                   (cache_key,)).fetchone()
        return json.loads(row["result"]) if row else None

    def recover_interrupted(self) -> int:
        """Mark checks that a dead process left queued/running as failed; return how many."""
        db = self._conn()
        pids = [r[0] for r in db.execute("SELECT DISTINCT owner_pid FROM checks WHERE status IN "
                                         "('queued', 'running')").fetchall()]
        dead = [p for p in pids if not process_alive(p) or p == os.getpid()]
        err = json.dumps({"code": "interrupted", "message": "the server stopped before this check finished"})
        n = 0
        for pid in dead:
            with self._tx() as tx:
                n += tx.execute("UPDATE checks SET status = 'failed', stage = 'failed', error = ?, updated_at = ? "
                                "WHERE owner_pid = ? AND status IN ('queued', 'running')",
                                (err, time.time(), pid)).rowcount
        return n

    # --- feedback ---------------------------------------------------------------------------------------
    def add_feedback(self, check_id: str, label: str, comment: str | None) -> dict:
        fid, now = new_id(), time.time()
        with self._tx() as db:
            db.execute("INSERT INTO feedback (id, check_id, label, comment, created_at) VALUES (?,?,?,?,?)",
                       (fid, check_id, label, comment, now))
        return {"id": fid, "check_id": check_id, "label": label, "comment": comment, "created_at": iso(now)}

    def feedback_items(self) -> list[dict]:
        rows = self._conn().execute(
            "SELECT f.id, f.label, f.comment, f.created_at, c.sha256, c.result, c.source, m.file, m.mime "
            "FROM feedback f JOIN checks c ON c.id = f.check_id LEFT JOIN media m ON m.sha256 = c.sha256 "
            "ORDER BY f.created_at").fetchall()
        out = []
        for r in rows:
            result, source = json.loads(r["result"] or "null") or {}, json.loads(r["source"])
            out.append({"id": r["id"], "label": r["label"], "comment": r["comment"], "created_at": iso(r["created_at"]),
                        "sha256": r["sha256"], "verdict": result.get("verdict"), "mime": r["mime"],
                        "source_url": source.get("url") or source.get("page_url") or "",
                        "file": self.media_dir / r["file"] if r["file"] else None})
        return out

    # --- media copies -----------------------------------------------------------------------------------
    def keep_media(self, sha256: str, path: Path, mime: str, keep_count: int, keep_bytes: int) -> None:
        """Keep a copy of a checked file (so feedback on it can be exported), then prune to the bounds.
        Files someone gave feedback on are never pruned: they are the retraining data."""
        name = sha256 + Path(path).suffix
        dest = self.media_dir / name
        if not dest.exists():
            tmp = dest.with_suffix(dest.suffix + ".part")
            shutil.copyfile(path, tmp)
            tmp.replace(dest)  # atomic: a crash never leaves a half file under the final name
        with self._tx() as db:
            db.execute("INSERT INTO media (sha256, file, mime, size_bytes, last_used) VALUES (?,?,?,?,?) "
                       "ON CONFLICT(sha256) DO UPDATE SET last_used = excluded.last_used",
                       (sha256, name, mime, dest.stat().st_size, time.time()))
        self._prune(keep_count, keep_bytes)

    def _prune(self, keep_count: int, keep_bytes: int) -> None:
        rows = self._conn().execute(
            "SELECT m.sha256, m.file, m.size_bytes FROM media m WHERE m.sha256 NOT IN "
            "(SELECT c.sha256 FROM feedback f JOIN checks c ON c.id = f.check_id WHERE c.sha256 IS NOT NULL) "
            "ORDER BY m.last_used DESC").fetchall()
        total = 0
        for i, r in enumerate(rows):
            total += r["size_bytes"]
            if i < keep_count and total <= keep_bytes:
                continue
            with self._tx() as db:
                db.execute("DELETE FROM media WHERE sha256 = ?", (r["sha256"],))
            (self.media_dir / r["file"]).unlink(missing_ok=True)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _dump(value) -> str | None:
    return None if value is None else json.dumps(value)


def _check(row: sqlite3.Row) -> dict:
    """A stored row -> the API's check object."""
    return {"id": row["id"], "status": row["status"], "progress": round(row["progress"], 3), "stage": row["stage"],
            "kind": row["kind"], "source": json.loads(row["source"]), "created_at": iso(row["created_at"]),
            "updated_at": iso(row["updated_at"]), "cached": bool(row["cached"]),
            "result": json.loads(row["result"]) if row["result"] else None,
            "error": json.loads(row["error"]) if row["error"] else None}


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
