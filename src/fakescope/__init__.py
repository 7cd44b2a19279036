"""FakeScope: local deepfake checks for images, video and audio.

The repository keeps its folders `server/` and `training/`; they are installed as `fakescope.server`
and `fakescope.training` (pyproject.toml, package-dir), so that FakeScope never claims the generic
top-level names `server` or `training` in site-packages."""
