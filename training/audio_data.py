"""The audio dataset as arrays: manifest table, labels, decoded clips, degraded variants and cached
feature matrices. Decoding goes through server.media.decode.load_audio and features through
server.features.audio.extract, i.e. the serving code path."""
from __future__ import annotations

import numpy as np

from server.features import audio as feats
from server.media.decode import load_audio
from server.modelstore import sha256_file

from . import augment_audio as aug
from .cache import cached, key_of
from .config import resolve_path
from .splits import read_table

# Fixed evaluation degradations (robustness rows); seeds fixed so every run scores identical audio.
CONDITIONS = ("clean", "mp3_64k", "telephone_8k", "noise_20db", "lowpass_4k")


class AudioData:
    """Lazy access to clips, labels and cached features of ../shared/datasets/audio."""

    def __init__(self, cfg: dict, limit: int | None = None, seed: int = 0):
        root = resolve_path(cfg["data"]["root"])
        self.manifest = root / cfg["data"].get("manifest", "MANIFEST.csv")
        self.root = root
        table = read_table(self.manifest)
        if limit:  # smoke runs: a class-balanced random subset
            rng = np.random.default_rng(seed)
            idx = np.concatenate([rng.permutation(np.flatnonzero(table["label"] == lab))[: limit // 2]
                                  for lab in ("real", "fake")])
            table = {k: v[np.sort(idx)] for k, v in table.items()}
        self.table = table
        self.y = (table["label"] == "fake").astype(np.int64)
        self.manifest_sha = sha256_file(self.manifest)
        self._waves: list[np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.y)

    def waves(self) -> list[np.ndarray]:
        if self._waves is None:
            self._waves = [load_audio(self.root / p) for p in self.table["path"]]
        return self._waves

    def variant(self, k: int, aug_seed: int) -> list[np.ndarray]:
        """Variant 0 = the clean clips; k >= 1 = every clip degraded by its own random web-like chain."""
        if k == 0:
            return self.waves()
        out, _ = aug.augment_batch(self.waves(), seed=aug_seed * 1000 + k)
        return out

    def condition(self, name: str) -> list[np.ndarray]:
        """The clips under one fixed evaluation degradation (same for every model and run)."""
        w = self.waves()
        if name == "clean":
            return w
        if name == "mp3_64k":
            return aug.codec_roundtrip(w, "mp3", 64)
        if name == "telephone_8k":
            return [aug.telephone(x) for x in w]
        if name == "noise_20db":
            rng = np.random.default_rng(2024)
            return [aug.add_noise(x, 20.0, rng) for x in w]
        if name == "lowpass_4k":
            return [aug.lowpass(x, 4000.0) for x in w]
        raise ValueError(f"unknown condition {name!r}")

    def _cached_waves(self, tag: str, make_waves) -> list[np.ndarray]:
        """Degraded clips cached as one int16 matrix + lengths, so each front-end reuses the same
        augmentation (ffmpeg round trips are the slow part) instead of redoing it."""
        key = key_of(self.manifest_sha, list(self.table["sha256"]), tag, "waves-v1")
        state: dict = {}

        def make():
            w = make_waves()
            state["w"] = w
            n = max(len(x) for x in w)
            mat = np.zeros((len(w) + 1, n), np.int16)
            # row 0 holds the lengths as uint16 bit patterns (clips are at most 4 s = 64000 samples)
            mat[0, : len(w)] = np.array([len(x) for x in w], np.int64).astype(np.uint16).view(np.int16)
            for i, x in enumerate(w):
                mat[i + 1, : len(x)] = np.round(np.clip(x, -1, 1) * 32767).astype(np.int16)
            return mat

        mat = cached("audio_waves", key, make)
        if "w" in state:
            return state["w"]
        return [mat[i + 1, : self._len_of(mat, i)].astype(np.float32) / 32767 for i in range(len(self))]

    @staticmethod
    def _len_of(mat: np.ndarray, i: int) -> int:
        return int(mat[0, i : i + 1].view(np.uint16)[0])

    def _features(self, tag: str, specs: list[dict], make_waves) -> list[np.ndarray]:
        """Cached (N, ...) float16 feature arrays, one per spec; the waves (decoding / augmentation,
        the slow part) are produced at most once for all specs that miss the cache."""
        keys = [key_of(self.manifest_sha, list(self.table["sha256"]), spec, tag, "v1") for spec in specs]
        state: dict = {}

        def waves():
            if "w" not in state:
                state["w"] = make_waves()
            return state["w"]

        return [cached("audio_features", key,
                       lambda spec=spec: np.stack([feats.extract(w, spec) for w in waves()]).astype(np.float16))
                for key, spec in zip(keys, specs)]

    def train_features(self, specs: list[dict], k: int, aug_seed: int) -> list[np.ndarray]:
        tag = f"variant{k}-seed{aug_seed}"
        make = (lambda: self.variant(k, aug_seed)) if k == 0 else (
            lambda: self._cached_waves(tag, lambda: self.variant(k, aug_seed)))
        return self._features(tag, specs, make)

    def eval_features(self, specs: list[dict], condition: str) -> list[np.ndarray]:
        tag = f"cond-{condition}"
        make = (lambda: self.condition(condition)) if condition == "clean" else (
            lambda: self._cached_waves(tag, lambda: self.condition(condition)))
        return self._features(tag, specs, make)
