"""The checks only the face model has, in the card's order: its own source folds (with reference groups, the
v1 CNN and the statistics-only column beside them), the settings not shipped on those folds, its family folds,
the DeepFaceLive clips, the serving spot check and the figures. The shared fold kinds, shortcut check,
calibration section and card come from training/evaluation."""
from __future__ import annotations

from fakescope.training.evaluation.model import Study
from fakescope.training.face.studies import figures, serving, settings, sources, video

STUDIES = (
    Study("sources", sources.run_sources, sources.sources_sections),
    Study("settings", settings.run, settings.sections, smoke=False),
    Study("families", sources.run_families, sources.families_sections),
    Study("video", video.run, video.sections),
    Study("serving", serving.run, smoke=False),
    Study("figures", figures.run, figures.sections, smoke=False),
)
