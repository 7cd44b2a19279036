"""FakeScope training and evaluation pipeline: configs, splits, metrics, calibration, publishing.

`python -m fakescope.training.cli train NAME` / `evaluate NAME` (or `fakescope train|evaluate NAME`) dispatch to
the recipe named in training/configs/NAME.json."""
