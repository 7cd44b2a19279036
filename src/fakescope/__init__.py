"""FakeScope: local deepfake checks for images, video and audio.

The repository keeps its folders `server/` and `training/`; they are installed as `fakescope.server`
and `fakescope.training` (pyproject.toml, package-dir), so that FakeScope never claims the generic
top-level names `server` or `training` in site-packages.

Privacy, before anything else is imported: onnxruntime >= 1.32 turns telemetry on by default on Linux
(a device id and an event database under ~/.cache/Microsoft/DeveloperTools/.onnxruntime, a `.ses` file in
the temp dir, uploads where a network exists). It reads ORT_DISABLE_TELEMETRY once, when the library loads,
so it must be set before `import onnxruntime` anywhere in the process. Every entry point (the `fakescope`
command, `python -m fakescope.server`, training, tests, bench) imports this package first, so this is the
one place that sets it; it is forced, not defaulted: nothing FakeScope runs may phone home.
tests/server/test_privacy.py runs a full check and asserts that none of those files appear."""
import os

os.environ["ORT_DISABLE_TELEMETRY"] = "1"
