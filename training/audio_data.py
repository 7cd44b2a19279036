"""The audio training set as arrays: the dataset's clips (../shared/datasets/audio) plus the locally
generated TTS fakes (training.tts), their labels, sources, groups and generator families, degraded
variants and cached speech-encoder embeddings.

Decoding goes through server.media.decode.load_audio and features through
server.features.speech.window_embedding: the serving code path, byte for byte."""
from __future__ import annotations

import re

import numpy as np

from fakescope.server.features import audio as audio_feats
from fakescope.server.features import speech
from fakescope.server.media.decode import load_audio
from fakescope.server.modelstore import sha256_file

from . import augment_audio as aug
from .cache import cached, key_of
from .config import resolve_path
from .splits import read_table

FEATURE_VERSION = "whisper-stats4-level-v1"
FRAMES_TAG = FEATURE_VERSION + "-frames-half"
# Spectrogram front ends of the CNN comparison rows (AudioData.front_end), by feature kind.
FRONT_ENDS = {"logspec": audio_feats.LOGSPEC_SPEC, "mel128": audio_feats.MEL_SPEC}
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


def family_of(system: str) -> str:
    s = system.lower()
    for pattern, fam in FAMILY_RULES:
        if re.search(pattern, s):
            return fam
    return "acoustic model / voice conversion (other)"


class AudioData:
    """Dataset + generated clips; `generated` defaults to the config's setting (never for smoke runs)."""

    def __init__(self, cfg: dict, limit: int | None = None, seed: int = 0, generated: bool | None = None,
                 log=print):
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
        use_gen = cfg.get("generated", {}).get("enabled", False) if generated is None else generated
        if use_gen and not limit:
            from .tts.generate import generated_set
            from .tts.texts import transcripts

            en_real = np.flatnonzero((table["label"] == "real") & (table["language"] == "en"))
            log(f"  transcripts of {len(en_real)} English real clips (cached after the first run)")
            texts = transcripts([table["sha256"][i] for i in en_real],
                                lambda j: load_audio(root / table["path"][en_real[j]]), log=log)
            gen, self._gen_waves = generated_set(table, texts, log=log)
            table = {k: np.concatenate([table[k], gen.get(k, np.array([""] * len(gen["label"]), dtype=object))])
                     for k in table}
            table["origin"][self.n_dataset:] = "generated"
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
        return self._waves + list(self._gen_waves)

    def _parts(self) -> list[tuple[str, slice]]:
        """The clip set in two independently cached parts: dataset rows, generated rows."""
        parts = [("dataset", slice(0, self.n_dataset))]
        if len(self) > self.n_dataset:
            parts.append(("generated", slice(self.n_dataset, len(self))))
        return parts

    def _key(self, part: slice, *extra) -> str:
        return key_of(self.manifest_sha, list(self.table["sha256"][part]), *extra)

    def variant(self, k: int, aug_seed: int) -> list[np.ndarray]:
        """Variant 0 = the clean clips; k >= 1 = every clip degraded by its own random recipe (drawn
        without the label), babble made of the dataset's real clips. Cached as packed int16 per part."""
        w = self.waves()
        if k == 0:
            return w
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

    def embeddings(self, k: int, aug_seed: int, log=print) -> np.ndarray:
        """(N, 1536) float32 speech-encoder embeddings of variant k (server.features.speech: pool of the
        encoder frames, exactly window_embedding). The frames of a part computed here are kept too
        (frames()), so the encoder runs once per clip for both."""
        side: list[np.ndarray] = []

        def fn(x):
            f = speech.encoder_frames(x, speech.LAST_LAYER_SPEC)
            side.append(half_frames(f))
            return speech.pool(f)

        def keep_frames(part):
            if side:
                cached("audio_frames", self._part_key(part, k, aug_seed, FRAMES_TAG),
                       lambda: np.stack(side).astype(np.float16))
                side.clear()

        return self.per_clip("audio_embeddings", FEATURE_VERSION, k, aug_seed, fn, log, on_part=keep_frames)

    def frames(self, k: int, aug_seed: int, log=print) -> np.ndarray:
        """(N, 100, 384) float16 speech-encoder frames of variant k, pairs of frames averaged (the input
        of the frame-level comparison head, training.speech_attention)."""
        return self.per_clip("audio_frames", FRAMES_TAG, k, aug_seed,
                              lambda x: half_frames(speech.encoder_frames(x, speech.LAST_LAYER_SPEC)), log, dtype=np.float16)

    def spectral(self, k: int, aug_seed: int, log=print) -> np.ndarray:
        """(N, 120) LFCC statistics of variant k (server.features.speech.window_spectral: the same window,
        level-normalised, that the encoder reads)."""
        return self.per_clip("audio_lfcc", "lfcc20-v1", k, aug_seed, speech.window_spectral, log)

    def cut_embeddings(self, layers: int, k: int, aug_seed: int, log=print) -> np.ndarray:
        """(N, 1536) statistics of variant k from the encoder cut to its first `layers` layers
        (server.features.speech.window_embedding with that spec: the serving function)."""
        spec = speech.spec_at_depth(layers)
        return self.per_clip(f"audio_first{layers}", f"whisper-first{layers}-v1", k, aug_seed,
                             lambda x: speech.window_embedding(x, spec), log)

    def front_end(self, kind: str, k: int, aug_seed: int, log=print) -> np.ndarray:
        """(N, ...) float16 spectrogram images of variant k from server.features.audio (kind "logspec": v1's
        log-power 31 Hz-4 kHz, (398, 64, 1); "mel128": the reference recipe's log-mel, (128, 128, 1)): the
        inputs of the CNN comparison rows, training.speech_cnn."""
        spec = FRONT_ENDS[kind]
        return self.per_clip(f"audio_{kind}", f"{kind}-v1", k, aug_seed, lambda x: audio_feats.extract(x, spec),
                             log, dtype=np.float16)

    def baseline_features(self, k: int, aug_seed: int, log=print) -> np.ndarray:
        """(N, 40) MFCC-40 means (the reference recipe's front end, server.features.audio.mfcc_mean)."""
        return self.per_clip("audio_mfcc", "mfcc40", k, aug_seed, lambda x: audio_feats.mfcc_mean(x)[:, 0], log)


def non_speech_embeddings(n: int, seed: int, variants: int, aug_seed: int, layers: int | None = None) -> list[np.ndarray]:
    """Embeddings of generated non-speech (training.synth_audio): [clean, degraded 1..variants]; from the
    whole encoder, or from its first `layers` layers."""
    spec = speech.spec_at_depth(layers)
    from . import synth_audio

    def make(k: int):
        def run():
            w, _ = synth_audio.non_speech_set(n, seed)
            if k:
                w, _ = aug.augment_batch(w, seed=aug_seed * 1000 + 700 + k)
            return np.stack([speech.window_embedding(x, spec) for x in w]).astype(np.float32)
        return run

    cut = [] if layers is None else [f"first{layers}"]
    return [cached("audio_nonspeech", key_of(n, seed, k, aug_seed, FEATURE_VERSION, "aug-v2", *cut), make(k))
            for k in range(variants + 1)]


def half_frames(f: np.ndarray) -> np.ndarray:
    """(T, D) encoder frames -> (T // 2, D) float16, neighbouring pairs averaged."""
    return f[: len(f) // 2 * 2].reshape(-1, 2, f.shape[1]).mean(axis=1).astype(np.float16)


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
