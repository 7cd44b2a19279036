"""The audio training set as arrays: the dataset's clips (../shared/datasets/audio) plus the locally
generated TTS fakes (training.tts) and copy-synthesis fakes (training.tts.copysynth), their labels, sources, groups and generator families, degraded
variants and cached speech-encoder embeddings.

Decoding goes through server.media.decode.load_audio and features through
server.features.speech.window_embedding: the serving code path, byte for byte. `Context` is what the
model's hooks (training.audio.recipe.MODEL) share during one evaluation."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from fakescope.server.media.decode import load_audio
from fakescope.server.modelstore import sha256_file
from fakescope.training.augment import audio as aug, rawboost
from fakescope.training.cache import cached, key_of, pack_waves, unpack_waves
from fakescope.training.config import resolve_path
from fakescope.training.evaluation.folds import cloning_fold
from fakescope.training.evaluation.splits import read_table

# Generator family of a dataset system (first matching rule), for leave-one-family-out.
FAMILY_RULES = (
    (r"espeak|flite|festival|merlin|world|parametric|gmm", "classic (espeak-ng / flite)"),
    (r"griffin", "griffin-lim"),
    (r"encodec|vocos", "neural codec / vocos"),
    (r"diffwave|wavegrad|grad-tts|gradtts|priorgrad|diffusion", "diffusion"),
    (r"vits|yourtts|freevc|sc-glowtts", "vits (piper)"),
    (r"glow|waveflow", "flow"),
    (r"hifi|melgan|wavegan|pwg|univnet|bigvgan|istftnet|gan", "gan vocoder"),
    (r"wavenet|clarinet|mol", "wavenet / autoregressive"),
)
CLONING_FOLD = "2026-12-05 pages: real prompts vs their clones"
# Codec variants by name (both classes alike, every clip): (codec, kb/s, the rate the encoder reads).
CODEC_VARIANTS = {"mp3_24k": ("mp3", 64, 24000), "mp3_16k": ("mp3", 32, 16000), "mp3_44k": ("mp3", 128, 44100)}
# Other named variants (both classes alike, every clip, seeded per clip): name -> training.augment.rawboost
# steps (RawBoost after Tak et al. 2022: convolutive, impulsive and stationary noise in series).
RAWBOOST_VARIANTS = {"rawboost": rawboost.RAWBOOST_STEPS}


def family_of(system: str) -> str:
    s = system.lower()
    for pattern, fam in FAMILY_RULES:
        if re.search(pattern, s):
            return fam
    return "acoustic model / voice conversion (other)"


class AudioData:
    """Dataset + generated clips; `generated` defaults to the config's setting (never for smoke runs)."""

    def __init__(self, cfg: dict, limit: int | None = None, seed: int = 0, generated: bool | None = None,
                 log=print, copysynth: dict | None = None):
        root = resolve_path(cfg["data"]["root"])
        self.manifest = root / cfg["data"].get("manifest", "MANIFEST.csv")
        self.root = root
        table = read_table(self.manifest)
        if limit:  # smoke runs: a class-balanced random subset
            rng = np.random.default_rng(seed)
            idx = np.concatenate([rng.permutation(np.flatnonzero(table["label"] == lab))[: limit // 2]
                                  for lab in ("real", "fake")])
            table = {k: v[np.sort(idx)] for k, v in table.items()}
        table["family"] = np.array([family_of(s) if lab == "fake" else "real"
                                    for s, lab in zip(table["system"], table["label"])], dtype=object)
        table["origin"] = np.array(["dataset"] * len(table["label"]), dtype=object)
        self.n_dataset = len(table["label"])
        self.manifest_sha = sha256_file(self.manifest)
        self._waves: list[np.ndarray] | None = None
        self._gen_waves: list[np.ndarray] = []
        self._cs_waves: list[np.ndarray] = []
        use_gen = cfg.get("generated", {}).get("enabled", False) if generated is None else generated
        if use_gen and not limit:
            from fakescope.training.tts.generate import generated_set
            from fakescope.training.tts.texts import transcripts

            en_real = np.flatnonzero((table["label"] == "real") & (table["language"] == "en"))
            log(f"  transcripts of {len(en_real)} English real clips (cached after the first run)")
            texts = transcripts([table["sha256"][i] for i in en_real],
                                lambda j: load_audio(root / table["path"][en_real[j]]), log=log)
            gen, self._gen_waves = generated_set(table, texts, log=log)
            table = {k: np.concatenate([table[k], gen.get(k, np.array([""] * len(gen["label"]), dtype=object))])
                     for k in table}
            table["origin"][self.n_dataset:] = "generated"
        self.n_tts = len(table["label"]) - self.n_dataset
        self.table = table
        cs = cfg.get("copysynth", {}) if copysynth is None else copysynth
        if cs.get("enabled", False) and not limit:
            self._cs_waves = self._add_copysynth(table, cs, log)
        self.table = table
        self.y = (table["label"] == "fake").astype(np.int64)

    def __len__(self) -> int:
        return len(self.y)

    @property
    def generated(self) -> np.ndarray:
        return self.table["origin"] == "generated"

    @property
    def real_idx(self) -> np.ndarray:
        return np.flatnonzero(self.y == 0)

    def waves(self) -> list[np.ndarray]:
        if self._waves is None:
            self._waves = [load_audio(self.root / p) for p in self.table["path"][: self.n_dataset]]
        return self._waves + list(self._gen_waves) + list(self._cs_waves)

    def _add_copysynth(self, table: dict, cs: dict, log) -> list[np.ndarray]:
        """Append the copy-synthesis rows (training.tts.copysynth) to `table` in place; their waves."""
        from fakescope.training.tts.copysynth import METHODS, copysynth_set

        n = len(table["label"])
        sub = {k: v[: self.n_dataset] for k, v in table.items()}
        self.waves()
        gen, w = copysynth_set(sub, self._waves, cs.get("methods", METHODS), cs.get("n_reals", 400), log=log)
        gen["family"] = np.array([family_of(s) for s in gen["system"]], dtype=object)
        gen["origin"] = np.array(["generated"] * len(w), dtype=object)
        for k in table:
            table[k] = np.concatenate([table[k], gen.get(k, np.array([""] * len(w), dtype=object))])
        log(f"  {len(w)} copy-synthesis clips ({n} rows before)")
        return w

    @property
    def copysynth(self) -> np.ndarray:
        """Rows of the copy-synthesis fakes."""
        return np.arange(len(self)) >= self.n_dataset + self.n_tts

    def _parts(self) -> list[tuple[str, slice]]:
        """The clip set in two independently cached parts: dataset rows, generated rows."""
        parts = [("dataset", slice(0, self.n_dataset))]
        if self.n_tts:
            parts.append(("generated", slice(self.n_dataset, self.n_dataset + self.n_tts)))
        if len(self) > self.n_dataset + self.n_tts:
            parts.append(("copysynth", slice(self.n_dataset + self.n_tts, len(self))))
        return parts

    def _key(self, part: slice, *extra) -> str:
        return key_of(self.manifest_sha, list(self.table["sha256"][part]), *extra)

    def variant(self, k: int, aug_seed: int) -> list[np.ndarray]:
        """Variant 0 = the clean clips; k >= 1 = every clip degraded by its own random recipe (drawn
        without the label), babble made of the dataset's real clips; k a name of CODEC_VARIANTS = every clip
        through that codec round trip; k a name of RAWBOOST_VARIANTS = one RawBoost copy of every clip (each
        clip's own generator, seeded by the augment seed, the part and its index). Cached as packed int16 per
        part."""
        w = self.waves()
        if k == 0:
            return w
        if k in RAWBOOST_VARIANTS:
            steps = RAWBOOST_VARIANTS[k]
            return sum((unpack_waves(cached("audio_waves", self._key(part, f"{k}-{'+'.join(steps)}-seed{aug_seed}", "rawboost-v1"),
                                            lambda part=part, off=off: pack_waves(rawboost.rawboost_batch(
                                                w[part], seed=aug_seed * 1000 + 900 + off, steps=steps))))
                        for off, (_, part) in enumerate(self._parts())), [])
        if isinstance(k, str):
            codec, kbps, rate = CODEC_VARIANTS[k]
            return sum((unpack_waves(cached("audio_waves", self._key(part, f"codec-{k}-{codec}-{kbps}-{rate}"),
                                            lambda part=part: pack_waves(aug.codec_roundtrip(w[part], codec, kbps,
                                                                                             encode_rate=rate))))
                        for _, part in self._parts()), [])
        out: list[np.ndarray] = []
        for offset, (name, part) in enumerate(self._parts()):
            state: dict = {}

            def make(part=part, offset=offset):
                pool = [w[i] for i in self.real_idx if i < self.n_dataset]
                state["w"], _ = aug.augment_batch(w[part], seed=aug_seed * 1000 + 500 * offset + k, babble_pool=pool)
                return pack_waves(state["w"])

            mat = cached("audio_waves", self._key(part, f"variant{k}-seed{aug_seed}", "aug-v2"), make)
            out += state["w"] if "w" in state else unpack_waves(mat)
        return out

    def _part_key(self, part: slice, k: int, aug_seed: int, tag: str) -> str:
        """Cache key of one part's per-clip features (tag) of variant k."""
        return self._key(part, f"variant{k}-seed{aug_seed}", "aug-v2", tag)

    def per_clip(self, namespace: str, tag: str, k: int, aug_seed: int, fn, log=print,
                  dtype=np.float32, on_part=None) -> np.ndarray:
        parts = []
        lazy: dict = {}
        for name, part in self._parts():
            def make(part=part, name=name):
                if "w" not in lazy:
                    lazy["w"] = self.variant(k, aug_seed)
                log(f"  {tag}: {part.stop - part.start} {name} clips of variant {k}")
                return np.stack([fn(x) for x in lazy["w"][part]]).astype(dtype)

            parts.append(cached(namespace, self._part_key(part, k, aug_seed, tag), make))
            if on_part:
                on_part(part)
        return np.concatenate(parts)


def variants(cfg: dict, smoke: bool) -> int:
    """Degraded variants per clip (besides the clean one) of a run."""
    return (cfg["smoke"] if smoke else {}).get("variants", cfg["augment"]["variants"])


def framework_table(data: AudioData) -> dict:
    """The rows as training.evaluation sees them: dataset clips testable, generated TTS fakes train only."""
    t = data.table
    return {"label": data.y, "source": t["source"], "family": t["family"], "group": t["group"],
            "testable": ~data.generated}


def zero_shot_sources(data: AudioData) -> set:
    """The sources the audio README lists under its 2026-12-05 addition (recent zero-shot / codec-LM / flow TTS
    demo pages with the real prompts they clone)."""
    from fakescope.training.verdict.data import zero_shot_sources as listed

    return listed(data.root)


def cloning_folds(data: AudioData, table: dict) -> list:
    """The speech data's own fold kind, "cloning" (the real prompts of the pages added 2026-12-05 vs their
    clones), when the pool holds those pages."""
    f = cloning_fold(table, zero_shot_sources(data), CLONING_FOLD)
    return [f] if f is not None else []


@dataclass
class Context:
    """One evaluation's clips and where it writes (Model.load's ctx). `arrays`: per-clip scores one step hands
    to a later one (the collection folds' out-of-fold scores, the leave-one-source-out scores), kept out of
    metrics.json."""
    data: AudioData
    smoke: bool
    variants: int
    runs: Path          # runs/audio (oof.json)
    plots: Path         # the card's plots
    card: Path          # the card (where its plot links start)
    model_file: Path
    log: Callable = print
    arrays: dict = field(default_factory=dict)
