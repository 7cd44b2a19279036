"""Run the `fakescope` CLI with the test-only probe detectors registered (the product ships none)."""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # the repo root, for `server`
sys.path.insert(0, str(HERE))

import probe_detectors  # noqa: E402,F401  (registers the probes)
from fakescope.server.cli import main  # noqa: E402

sys.exit(main(sys.argv[1:]))
