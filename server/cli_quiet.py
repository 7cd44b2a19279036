"""Quiet terminal output for the `fakescope` command (issue 10, point 9).

TensorFlow, absl, oneDNN and OpenCV write log lines straight to file descriptor 2 from C++ ("WARNING: All
log messages before absl::InitializeLog() ...", "I0000 ... port.cc:153] oneDNN custom operations are on",
"[ WARN:0@1.2] global net_impl_backend.cpp ..."), some before any Python setting can stop them, and
tf.function prints retracing warnings through Python logging. `quiet()` sets every switch that exists
before those libraries are imported; `native_stderr_filtered()` catches what is still written to fd 2
while models load and run, and replays only the lines that are not known library noise. With
`--verbose` nothing is filtered and every logger speaks.
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile
import warnings

# Lines written by native libraries that tell a user nothing about their check.
NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\)"
    r"|[IWEF]\d{4} \d\d:\d\d:[\d.]+\s+\d+ [\w./-]+:\d+\]"        # absl / glog C++ line prefix
    r"|\[ ?(WARN|INFO|DEBUG):\d+@[\d.]+\]"                       # OpenCV's logger
    r"|.*oneDNN custom operations are on"
    r"|.*This TensorFlow binary is optimized"
    r"|.*To enable the following instructions"
    r"|.*Unable to register cu(DNN|FFT|BLAS) factory"
    r"|.*computation placer already registered"
    r"|.*could not open file to read NUMA node"
    r"|.*triggered tf\.function retracing"
    r"|.*tf\.function retracing"
    r")")

_QUIET_LOGGERS = ("tensorflow", "absl", "keras", "h5py", "numba", "matplotlib", "PIL", "urllib3", "yt_dlp")


def quiet(verbose: bool = False) -> None:
    """Switch off library chatter before the libraries are imported (environment) and after (loggers,
    warnings). Idempotent; with verbose=True it only makes sure our own INFO lines are shown."""
    if verbose:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("KMP_WARNINGS", "0")
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"(keras|tensorflow|absl|librosa|google)")
    _quiet_loaded()


def _quiet_loaded() -> None:
    """Loggers that libraries (re)configure when imported: set again once they are loaded."""
    if "absl.logging" in sys.modules:
        sys.modules["absl.logging"].set_verbosity("error")
    if "cv2" in sys.modules:
        with contextlib.suppress(Exception):
            sys.modules["cv2"].setLogLevel(2)  # 2 = errors only
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


def is_noise(line: str) -> bool:
    return bool(NOISE.match(line.strip()))


@contextlib.contextmanager
def native_stderr_filtered(enabled: bool = True):
    """Send fd 2 to a temporary file for the duration; afterwards write back every line that is not
    library noise (real errors and tracebacks are kept). Yields a text stream on the ORIGINAL stderr
    for output that must appear live (the progress bar, our own messages)."""
    sys.stderr.flush()
    if not enabled:
        yield sys.stderr
        return
    saved = os.dup(2)
    live = os.fdopen(os.dup(saved), "w", buffering=1, encoding="utf-8", errors="replace")
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield live
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            _quiet_loaded()
            live.flush()
            live.close()
            sink.seek(0)
            kept = [ln for ln in sink.read().decode("utf-8", "replace").splitlines() if ln.strip() and not is_noise(ln)]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")
                sys.stderr.flush()
