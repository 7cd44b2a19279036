"""Issue 24: what end-to-end fine-tuning of the speech encoder would cost on this CPU, measured, before trying it.
Times training steps of Whisper tiny.en's first 2 layers (what the shipped model reads; the Keras twin of the
pinned weights, server/encoders/whisper_keras.py) with a pooled logistic unit on batches of 4 s windows, and
extrapolates to the collection folds: every fold refits on its training clips (all variants).

    OMP_NUM_THREADS=1 nice -n 10 python experiments/speech_finetune_cost.py [--layers 2] [--steps 4]

Prints JSON. Nothing here ships."""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--clips", type=int, default=3400, help="training clips of a collection fold")
    ap.add_argument("--variants", type=int, default=3)
    ap.add_argument("--folds", type=int, default=27)
    ap.add_argument("--epochs", type=int, default=3)
    a = ap.parse_args()
    from fakescope.training.config import limit_threads

    limit_threads(int(os.environ.get("OMP_NUM_THREADS", 1)))
    import keras

    from fakescope.server.encoders import whisper_keras

    enc = whisper_keras.build_encoder(layers=range(a.layers), trainable=True, final_norm=False)
    x = keras.layers.GlobalAveragePooling1D()(enc.output)
    model = keras.Model(enc.input, keras.layers.Dense(1, activation="sigmoid")(x))
    model.compile(keras.optimizers.Adam(1e-5), "binary_crossentropy")
    rng = np.random.default_rng(0)
    xb = rng.normal(size=(a.batch, 400, whisper_keras.N_MELS)).astype(np.float32)
    yb = (np.arange(a.batch) % 2).astype(np.float32)
    model.train_on_batch(xb, yb)  # compile / warm up
    t0 = time.time()
    for _ in range(a.steps):
        model.train_on_batch(xb, yb)
    per_step = (time.time() - t0) / a.steps
    steps = a.clips * a.variants / a.batch * a.epochs * a.folds
    print(json.dumps({"layers_trained": a.layers, "batch": a.batch, "seconds_per_step": round(per_step, 3),
                      "seconds_per_window": round(per_step / a.batch, 4), "steps_all_folds": int(steps),
                      "hours_all_collection_folds": round(steps * per_step / 3600, 1),
                      "hours_one_fold_one_epoch": round(a.clips * a.variants / a.batch * per_step / 3600, 2),
                      "threads": os.environ.get("OMP_NUM_THREADS")}, indent=1))


if __name__ == "__main__":
    main()
