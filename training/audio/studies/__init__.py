"""The checks only the speech model has (training.evaluation.model.Study), in the card's order: the candidate
recipes and the inverted cloning case, the verdict bands per collection / language / family, the legacy
leave-one-source-out and family folds, degraded-vs-clean and the quality invariant, the in-the-wild tests
and v1, the speech gate, serving speed."""
from __future__ import annotations

from fakescope.training.audio.studies import bands, candidates, degradation, gate, serving, sources, wild
from fakescope.training.evaluation.model import Study

STUDIES = (
    Study("candidates", candidates.run, candidates.sections),
    Study("bands", bands.run, bands.sections),
    Study("sources", sources.run, sources.sections),
    Study("quality", degradation.run, degradation.sections),
    Study("wild", wild.run, wild.sections),
    Study("gate", gate.run, gate.sections),
    Study("speed", serving.run, serving.sections, smoke=False, after_publish=True),
)
