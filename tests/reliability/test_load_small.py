"""A small version of bench/load.py (same code): 3 rounds x 60 checks from 10 concurrent clients against a real
server on loopback (mixed new and identical images, clips, speech, URL downloads, some cancelled mid-way).
0 errors other than 429 with Retry-After, resident memory, file descriptors and threads flat across the
rounds, no temp file left. Bounds are generous and nothing asserts a duration."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from reliability_fixtures import REL_ENV
from server_fixtures import RunningServer

BENCH = Path(__file__).resolve().parents[2] / "bench" / "load.py"


def _bench():
    spec = importlib.util.spec_from_file_location("fakescope_bench_load", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_three_rounds_of_mixed_checks(tmp_path):
    load = _bench()
    env = {**REL_ENV, "FAKESCOPE_QUEUE_SIZE": "4"}  # a short queue, so some clients are told to come back
    srv = RunningServer(tmp_path, allow_private=True, env=env).start()
    lines: list[str] = []
    try:
        out = load.run(srv.url, srv.proc.pid, srv.tmpdir, rounds=3, checks=60, clients=10, time_limit=240,
                       say=lines.append)
    finally:
        srv.stop()
    report = "\n".join(lines)
    rounds, verdict = out["rounds"], out["verdict"]
    assert verdict["errors"] == 0, report
    assert verdict["busy_without_retry_after"] == 0, report
    for r in rounds:
        assert r["checks"] == 60 and r["temp_files"] == 0, report
        assert r["done"] > 0 and r["cached"] > 0, report  # identical bytes did hit the cache
    assert sum(r["cancelled"] for r in rounds) > 0, report  # some checks were cancelled mid-way
    assert verdict["rss_flat"], report
    assert verdict["fds_flat"] and verdict["threads_flat"], report
    log = srv.log.read_text(errors="replace")
    assert "Traceback" not in log and "crashed" not in log, log[-3000:]
