"""The AI-image model's studies, the checks only it has (training.evaluation.model.Study), in the card's order:

  world         the world-like evaluation: v2 vs the v3 candidates on the same folds of one union pool of the
                general sources and every real-only collection, false positives per real collection, and
                runs/aigen/oof.json (the verdict evaluation reads it); the shipped lines are placed on it
                (`python -m fakescope.training.aigen.studies.world`: this comparison alone)
  own_folds     this model's own folds (leave-one-source-out pairs, family, no camera photo), v1 on the same rows,
                per source and per category
  alternatives  the configured alternative settings on the same folds
  latency       file bytes -> verdict as the detector serves it
  figures       the plots and models/cards/aigen_metrics.json
"""
from __future__ import annotations

from fakescope.training.aigen.studies import (
    alternatives,
    figures,
    latency,
    own_folds,
    world,
    world_sections,
)
from fakescope.training.evaluation.model import Study

STUDIES = (
    Study("world", world.run, world_sections.card_sections, smoke=False),
    Study("own_folds", own_folds.run, own_folds.sections),
    Study("alternatives", alternatives.run, alternatives.sections, smoke=False),
    Study("latency", latency.run, latency.sections, smoke=False),
    Study("figures", figures.run, figures.sections, smoke=False),
)
