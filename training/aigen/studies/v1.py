"""v1, the NPR-style CNN that v2 replaced, scored as it served (standardize_image on the decoded file, the
keras model as shipped, never refitted) on every row clean and re-shared: the v1 columns of the own folds."""
from __future__ import annotations

import numpy as np
from fakescope.training.aigen.data import variant_image
from fakescope.training.cache import cached, key_of
from fakescope.training.config import repo_root

SCORE_VARIANTS = ("clean", "web60half")


def v1_scores(cfg: dict, table: dict, images_dir) -> dict | None:
    """Uncalibrated scores of the v1 NPR model for every row, {variant: scores}; None when its file is absent.
    Cached by the model file's sha256, the variant and every row's sha256."""
    from fakescope.server.modelstore import sha256_file

    path = repo_root() / "models" / cfg["compare"]["model_file"]
    if not path.exists():
        return None

    def compute(variant):
        import keras
        from fakescope.server.media.decode import load_image
        from fakescope.training.aigen.heads import predict_images
        from fakescope.training.config import limit_threads

        limit_threads(int(cfg.get("threads", 1)))
        model = keras.saving.load_model(str(path), compile=False)
        imgs = [variant_image(load_image(images_dir / p), variant, s) for p, s in zip(table["path"], table["sha256"])]
        return np.concatenate([predict_images(model, imgs[i:i + 64]) for i in range(0, len(imgs), 64)])

    return {v: cached("aigen", f"v1-{v}-" + key_of(sha256_file(path), v, list(table["sha256"])),
                      lambda v=v: compute(v)) for v in SCORE_VARIANTS}
