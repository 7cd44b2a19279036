"""Does fine-tuning the speech encoder help on the folds that matter? A probe, sized for a 2-core CPU:
the top transformer layer of Whisper tiny.en (server.encoders.whisper_keras, the pretrained weights of the
pinned file) is trained together with a linear head, on the clean windows of a fold's training sources, and
compared with the SAME pipeline with that layer frozen (the linear head alone) - same rows, same variant,
same weights, same held-out source.

    python experiments/speech_finetune.py --folds univnet_demo,vocos_demo --epochs 2

Layers 0-2 stay frozen, so their outputs are computed once per clip and cached (.cache/audio_hidden3/).
Both arms: pooled statistics of the top layer's frames (server.features.speech.pool, in Keras ops),
standardised with the frozen features' training mean and scale, then a logistic unit initialised from a
logistic regression on the frozen features; the fine-tuned arm then trains layer and unit together with a
small learning rate. Writes runs/audio/finetune_probe.json. Nothing here ships."""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from fakescope.training.evaluation import metrics, splits
from fakescope.training.audio.data import AudioData
from fakescope.training.config import load_config, limit_threads, repo_root
from fakescope.training.audio.studies import sources as audio_folds
from fakescope.training.audio.heads import class_balanced, fit_head, score

TOP = 3  # the layer that is fine-tuned (0-based; tiny has 4)


def hidden_states(data: AudioData, w: dict, seed: int, log=print) -> np.ndarray:
    """(N, 200, 384) float16 outputs of the frozen layers 0..TOP-1 for every clip's clean window (prepared
    exactly as the served encoder's: server.features.speech.prepared_window)."""
    from fakescope.server.encoders import whisper, whisper_keras
    from fakescope.server.features import speech

    model = {}

    def encode(x):
        if "m" not in model:
            model["m"] = whisper_keras.build_encoder(w, layers=range(TOP), final_norm=False)
        mel = whisper.log_mel(speech.prepared_window(x))
        return np.asarray(model["m"](mel.T[None], training=False))[0]

    return data.per_clip("audio_hidden3", f"whisper-keras-hidden{TOP}-v1", 0, seed, encode, log, dtype=np.float16)


def _pool(x):
    """Keras-ops twin of server.features.speech.pool: mean, std, |diff| mean, diff std over time."""
    from keras import ops

    d = x[:, 1:] - x[:, :-1]
    return ops.concatenate([ops.mean(x, 1), ops.std(x, 1), ops.mean(ops.abs(d), 1), ops.std(d, 1)], axis=-1)


def _stats_model(w):
    """Hidden states before TOP -> pooled statistics of the frozen top layer's frames."""
    import keras

    from fakescope.server.encoders import whisper_keras

    upper = whisper_keras.build_encoder(w, with_front=False, layers=range(TOP, whisper_keras.LAYERS))
    return keras.Model(upper.input, _pool(upper.output))


def _model(w, head: dict):
    """Hidden states before TOP -> trainable top layer -> pooled statistics -> standardised -> logit."""
    import keras

    from fakescope.server.encoders import whisper_keras

    upper = whisper_keras.build_encoder(w, with_front=False, layers=range(TOP, whisper_keras.LAYERS), trainable=True)
    out = keras.layers.Dense(1, name="logit")
    model = keras.Model(upper.input, out((_pool(upper.output) - head["h_mean"]) / head["h_scale"]))
    out.set_weights([head["h_w"].reshape(-1, 1), head["h_b"]])
    return model


def probe_fold(data, names, hidden, w, weights, fold: str, epochs: int, lr: float, seed: int, log=print) -> dict:
    """names: the audio card's fold of every row; w: the encoder weights (read once)."""
    import keras

    y, t = data.y, data.table
    tr, va = splits.holdout_split({**t, "fold": names}, "fold", [fold])[:2]
    frozen = _stats_model(w)
    stats = lambda idx: np.asarray(frozen.predict(hidden[idx].astype(np.float32), batch_size=32, verbose=0))  # noqa: E731
    t0 = time.time()
    x_tr, x_va = stats(tr), stats(va)
    qw = None if weights is None else weights[tr]
    head = fit_head(x_tr, y[tr], {"kind": "logreg", "C": 0.05}, "h", seed, weights=qw)
    sw = class_balanced(y[tr], qw).astype(np.float32)
    p_frozen = score(head, "h", x_va)
    model = _model(w, head)
    model.compile(optimizer=keras.optimizers.Adam(lr), loss=keras.losses.BinaryCrossentropy(from_logits=True))
    model.fit(hidden[tr].astype(np.float32), y[tr].astype(np.float32), sample_weight=sw, epochs=epochs,
              batch_size=16, shuffle=True, verbose=0)
    p_tuned = 1 / (1 + np.exp(-np.asarray(model.predict(hidden[va].astype(np.float32), batch_size=32, verbose=0)).ravel()))
    res = {"fold": fold, "n_train": int(len(tr)), "n_heldout": int(len(va)), "epochs": epochs, "lr": lr,
           "auc_frozen": metrics.roc_auc(y[va], p_frozen), "auc_finetuned": metrics.roc_auc(y[va], p_tuned),
           "seconds": round(time.time() - t0, 1)}
    log(f"  {fold}: frozen {res['auc_frozen']:.3f} -> fine-tuned {res['auc_finetuned']:.3f} ({res['seconds']} s)")
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", required=True, help="comma-separated source folds of the audio card")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=2e-5)
    a = ap.parse_args(argv)
    cfg = load_config("audio")
    limit_threads(cfg.get("threads", 2))
    import keras

    keras.utils.set_random_seed(cfg["seed"])
    data = AudioData(cfg)
    from fakescope.training.audio.heads.balancing import training_weights

    from fakescope.server.encoders import whisper_keras

    qw = training_weights(cfg, data, 0)
    w = whisper_keras.weights()
    hidden = hidden_states(data, w, cfg["augment"]["seed"])
    names = audio_folds.fold_of(cfg, data.table, data.y)
    out = [probe_fold(data, names, hidden, w, qw, f, a.epochs, a.lr, cfg["seed"]) for f in a.folds.split(",")]
    path = repo_root() / "runs" / "audio" / "finetune_probe.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"top_layer": TOP, "variant": "clean", "folds": out}, indent=2))
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
