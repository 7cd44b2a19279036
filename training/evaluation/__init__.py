"""What every model shares to be measured: fold kinds (folds.py), measuring them with bootstrap intervals
(measure.py), metrics, calibration, splits and the card / manifest writer (publish.py)."""
