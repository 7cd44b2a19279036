"""Start the REAL FakeScope server (`python -m fakescope.server serve`, the `fakescope serve` command) on a free
loopback port with the shipped models, and stop it again."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from ext_env import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeScopeServer:
    def __init__(self, data_dir: Path, tmp_dir: Path, *, allow_private: bool = True):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.log_path = data_dir.parent / "server.log"
        argv = [sys.executable, "-m", "fakescope.server", "serve", "--port", str(self.port), "--data-dir", str(data_dir)]
        if allow_private:  # the page is served on 127.0.0.1, which the address guard refuses otherwise
            argv.append("--allow-private-addresses")
        self.argv = argv
        # TF on a shared 2-core box: keep its thread pools small.
        self.env = {**os.environ, "TMPDIR": str(tmp_dir), "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
                    "OMP_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
        self.proc = None

    def __enter__(self):
        self.log = open(self.log_path, "w")
        # FAKESCOPE_E2E_SERVER_ROOT: run the server of another checkout (e.g. while the models are being rebuilt).
        cwd = os.environ.get("FAKESCOPE_E2E_SERVER_ROOT") or REPO
        self.proc = subprocess.Popen(self.argv, cwd=cwd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 200  # loading and warming the models takes a while on 2 cores
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_text()}")
            try:
                if requests.get(f"{self.url}/api/v1/health", timeout=2).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.5)
        self.__exit__(None, None, None)
        raise RuntimeError(f"server did not answer /health in time:\n{self.log_text()}")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def log_text(self) -> str:
        self.log.flush()
        return self.log_path.read_text()[-4000:]
