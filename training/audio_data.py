"""The audio dataset as arrays: manifest table, labels, decoded clips, degraded variants and cached
feature matrices. Decoding goes through server.media.decode.load_audio and features through
server.features.audio.extract, i.e. the serving code path."""
from __future__ import annotations

import numpy as np

from server.features import audio as feats
from server.media.decode import load_audio
from server.modelstore import sha256_file

from . import augment_audio as aug
from . import synth_audio as synth
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
        """Degraded (or synthesised) clips cached as one int16 matrix + lengths, so each front-end
        reuses the same waves (ffmpeg round trips, vocoding are the slow part) instead of redoing it."""
        key = key_of(self.manifest_sha, list(self.table["sha256"]), tag, "waves-v1")
        state: dict = {}

        def make():
            state["w"] = make_waves()
            return pack_waves(state["w"])

        mat = cached("audio_waves", key, make)
        return state["w"] if "w" in state else unpack_waves(mat)

    @property
    def real_idx(self) -> np.ndarray:
        return np.flatnonzero(self.y == 0)

    def copy_synth_waves(self, settings: list[str]) -> list[np.ndarray]:
        """Griffin-Lim copy-synthesis of EVERY real clip (order of real_idx); callers keep only the
        ones whose source real is in their training split."""
        ri = self.real_idx
        tag = f"copysynth-{'+'.join(settings)}"
        return self._cached_waves(tag, lambda: synth.make_batch(
            [self.waves()[i] for i in ri], list(self.table["sha256"][ri]), settings)[0])

    def synth_features(self, specs: list[dict], k: int, aug_seed: int, settings: list[str]) -> list[np.ndarray]:
        """Features of the copy-synthesis fakes (rows follow real_idx): k = 0 clean, k >= 1 degraded by
        the same random web-like chains as the dataset clips (own seed)."""
        tag = f"copysynth-{'+'.join(settings)}-variant{k}-seed{aug_seed}"
        base = lambda: self.copy_synth_waves(settings)  # noqa: E731
        make = base if k == 0 else (lambda: self._cached_waves(
            tag, lambda: aug.augment_batch(base(), seed=aug_seed * 1000 + 500 + k)[0]))
        return self._features(tag, specs, make)

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


def pack_waves(waves: list[np.ndarray]) -> np.ndarray:
    """Clips as one int16 matrix; row 0 holds the lengths as uint16 bit patterns (clips <= 4 s)."""
    n = max(len(x) for x in waves)
    mat = np.zeros((len(waves) + 1, n), np.int16)
    mat[0, : len(waves)] = np.array([len(x) for x in waves], np.int64).astype(np.uint16).view(np.int16)
    for i, x in enumerate(waves):
        mat[i + 1, : len(x)] = np.round(np.clip(x, -1, 1) * 32767).astype(np.int16)
    return mat


def unpack_waves(mat: np.ndarray) -> list[np.ndarray]:
    lens = mat[0].view(np.uint16)
    return [mat[i + 1, : int(lens[i])].astype(np.float32) / 32767 for i in range(len(mat) - 1)]
