"""Shortcut check of the AI-image evaluation: can simple file statistics that say nothing about how an
image was made predict the label on the same held-out folds? If they can, a fold's AUC may be measuring
the dataset (digicam-era JPEGs vs modern posters) rather than generation traces, and the card says so.

Statistics per file (what the server receives): log pixel count, aspect ratio (long/short), file bytes per
pixel, JPEG quality estimated from the luminance quantisation table (IJG scaling; 100 for non-JPEG), and
colourfulness (Hasler & Suesstrunk 2003). Classifier: logistic regression on the standardised statistics,
class-balanced, fitted on each fold's training rows exactly like the head."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from fakescope.server.media.decode import load_image
from fakescope.training.cache import cached, key_of

STAT_NAMES = ("log_pixels", "aspect", "bytes_per_pixel", "jpeg_quality", "colourfulness")
# IJG standard luminance quantisation table (JPEG Annex K), in natural (row-major) order
_IJG_LUMA = np.array([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99], np.float64)


def _ijg_table(q: int) -> np.ndarray:
    scale = 5000 / q if q < 50 else 200 - 2 * q
    return np.clip(np.floor((_IJG_LUMA * scale + 50) / 100), 1, 255)


def jpeg_quality(path: str | Path) -> float:
    """Estimated IJG quality 1-100 of a JPEG file's luminance table; 100.0 for other formats."""
    with Image.open(path) as im:
        tables = getattr(im, "quantization", None) if im.format == "JPEG" else None
    if not tables:
        return 100.0
    t = np.asarray(tables[min(tables)], np.float64)
    if t.size != 64:
        return 100.0
    # Pillow returns the table in natural order (it un-zigzags); compare sorted values so either order works
    errs = [np.abs(np.sort(_ijg_table(q)) - np.sort(t)).sum() for q in range(1, 101)]
    return float(1 + int(np.argmin(errs)))


def colourfulness(rgb: np.ndarray) -> float:
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def file_statistics(path: str | Path) -> np.ndarray:
    """The STAT_NAMES vector of one file."""
    rgb = load_image(path)
    h, w = rgb.shape[:2]
    return np.array([np.log(h * w), max(h, w) / min(h, w), Path(path).stat().st_size / (h * w),
                     jpeg_quality(path), colourfulness(rgb)], np.float64)


def statistics(table: dict, images_dir: Path) -> np.ndarray:
    """(N, 5) statistics of every row, cached by the files' sha256."""
    key = key_of("aigen-stats-v1", list(table["sha256"]))
    return cached("aigen", f"stats-{key}", lambda: np.stack(
        [file_statistics(Path(images_dir) / p) for p in table["path"]]))


def fit_stats_classifier(s: np.ndarray, labels: np.ndarray):
    """Class-balanced logistic regression on standardised statistics -> scoring function."""
    from sklearn.linear_model import LogisticRegression

    mu, sd = s.mean(axis=0), np.maximum(s.std(axis=0), 1e-6)
    clf = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit((s - mu) / sd, labels)
    return lambda q: clf.predict_proba((q - mu) / sd)[:, 1]


def shortcut_fold_scores(stats: np.ndarray, table: dict, folds, fold_indices) -> list[dict]:
    """Held-out scores of the statistics classifier on each fold ({"fold", "val", "clean"})."""
    out = []
    for f in folds:
        tr, va = fold_indices(table, f)
        score = fit_stats_classifier(stats[tr], table["label"][tr])
        out.append({"fold": f, "val": va, "clean": score(stats[va])})
    return out
