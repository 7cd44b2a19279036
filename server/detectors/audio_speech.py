"""Synthetic-speech detector: TTS, voice conversion and vocoded speech in audio files and in the audio
track of videos.

Pipeline: decode to 16 kHz mono -> energy gate (silence / too little sound -> not applicable) -> 4 s
windows every 2 s over the part with energy -> Whisper tiny.en embedding (+ LFCC statistics) per
window (server.features.speech, the function training used) -> speech gate head (no window with speech ->
not applicable, "no speech found") -> fake/real head on the speech windows -> window probabilities
averaged -> calibrated (manifest params) -> banded with the manifest thresholds. The model file is an npz
of plain arrays holding both heads."""
from __future__ import annotations

import time

import numpy as np

from ..calibration import apply as calibrate
from ..features import audio as energy
from ..features import speech
from ..media.decode import AUDIO_RATE, DecodeError
from ..modelstore import ModelError
from .base import Detector, register

DEFAULT_SERVING = {"hop_s": 2.0, "min_speech_s": 1.0, "max_seconds": 600}
NO_SPEECH = "no speech found"
_MIN_WINDOW_ENERGY = 0.25  # windows with less sound than this share are pauses: not scored
_WINDOWS_PER_CALL = 8  # windows per encoder call: the same features, less per-call overhead, progress in steps


@register
class AudioSpeechDetector(Detector):
    name = "audio_speech"
    kinds = ("audio", "video")
    model_key = "audio_speech"

    def _spec(self) -> tuple[dict, dict, float]:
        spec = dict(self.entry.get("input") or speech.SPEECH_SPEC)
        serving = {**DEFAULT_SERVING, **spec.pop("serving", {})}
        gate_th = float(spec.pop("gate_threshold", 0.5))
        return spec, serving, gate_th

    def warmup(self) -> None:
        """Runs the encoder once, and checks at start (not on a user's first clip) that the model file's
        heads read the vectors the manifest's input spec makes."""
        if self.model is None:
            return
        spec, _, _ = self._spec()
        for head, x in zip(("gate", "detector"), speech.window_vectors(np.full(speech.window_samples(spec), 1e-3, np.float32), spec)):
            width = self.model[f"{head}_mean"].shape[-1]
            if width != x.shape[-1]:
                raise ModelError(f"audio_speech model: the {head} head reads {width} values, the input spec "
                                 f"{spec.get('features')}/{spec.get('spectral')} makes {x.shape[-1]}")

    def predict(self, media, ctx) -> dict:
        t0 = time.perf_counter()
        if self.model is None:
            return self.not_applicable("the audio model is not installed")
        if media.kind != "audio" and media.audio_path is None:
            return self.not_applicable("the video has no audio track")
        spec, serving, gate_th = self._spec()
        ctx.progress("decoding audio", 0.0)
        try:
            wave = media.audio(serving["max_seconds"])
        except DecodeError as exc:
            return self.not_applicable(f"the audio could not be decoded: {exc}")
        t_dec = time.perf_counter()
        timings = {"decode": round(t_dec - t0, 3)}
        if not np.all(np.isfinite(wave)):
            return self.not_applicable("the audio could not be analysed: it contains invalid samples", timings=timings)
        mask = energy.speech_mask(wave)
        sound_s = float(mask.sum() * 0.010)
        if sound_s == 0.0:
            return self.not_applicable(NO_SPEECH, timings=timings)
        starts = self._sound_windows(wave, mask, spec, serving["hop_s"])
        if sound_s < serving["min_speech_s"]:  # a little sound: speech that is too short, or no speech at all
            x = speech.embed_windows(wave, starts[:1], spec)
            if speech.head_probability(self.model, "gate", x)[0] < gate_th:
                return self.not_applicable(NO_SPEECH, timings=timings)
            return self.not_applicable(
                f"too short: only {sound_s:.1f} s of speech; at least {serving['min_speech_s']:.1f} s is needed "
                "to judge a voice", timings=timings)
        ctx.progress("scoring audio", 0.1)
        gate_x, det_x = [], []
        win = speech.window_samples(spec)
        for i in range(0, len(starts), _WINDOWS_PER_CALL):
            g, d = speech.windows_vectors([wave[s:s + win] for s in starts[i:i + _WINDOWS_PER_CALL]], spec)
            gate_x.append(g)
            det_x.append(d)
            ctx.progress("scoring audio", 0.1 + 0.8 * min(i + _WINDOWS_PER_CALL, len(starts)) / len(starts))
        gate_x, det_x = np.concatenate(gate_x), np.concatenate(det_x)
        p_speech = speech.head_probability(self.model, "gate", gate_x)
        is_speech = p_speech >= gate_th
        if not is_speech.any():
            return self.not_applicable(NO_SPEECH, timings={**timings, "score": round(time.perf_counter() - t_dec, 3)},
                                       speech_probability=round(float(p_speech.max()), 4))
        raw = speech.head_probability(self.model, "detector", det_x[is_speech])
        params = self.entry.get("calibration")
        # aggregate raw probabilities first, then calibrate once: the calibration was fitted on
        # single-window clip scores, and averaging keeps the scale of a single window
        score = float(calibrate(np.array([raw.mean()]), params)[0])
        seg_scores = calibrate(raw, params)
        win_s = speech.window_samples(spec) / AUDIO_RATE
        dur = len(wave) / AUDIO_RATE
        kept = [s for s, k in zip(starts, is_speech) if k]
        segments = [{"start": round(s / AUDIO_RATE, 2), "end": round(min(s / AUDIO_RATE + win_s, dur), 2),
                     "score": round(float(p), 4)} for s, p in zip(kept, seg_scores)]
        ctx.progress("scoring audio", 1.0)
        t_end = time.perf_counter()
        return self.result(score, self.band_for(score, "speech"), regions={"segments": segments}, content="speech",
                           timings={**timings, "score": round(t_end - t_dec, 3)},
                           speech_seconds=round(sound_s, 2), windows=len(kept))

    @staticmethod
    def _sound_windows(wave: np.ndarray, mask: np.ndarray, spec: dict, hop_s: float) -> list[int]:
        """Window starts whose window holds at least a quarter sound (10 ms energy frames); if none
        does (sound scattered thinly), the window with the most sound."""
        starts = speech.window_starts(len(wave), spec, hop_s)
        win_frames = int(spec["window_s"] / 0.010)
        cums = np.concatenate([[0], np.cumsum(mask)])
        share = []
        for s in starts:
            a = s // 160
            b = min(a + win_frames, len(mask))
            share.append((cums[b] - cums[min(a, len(mask))]) / max(win_frames, 1))
        keep = [s for s, f in zip(starts, share) if f >= _MIN_WINDOW_ENERGY]
        return keep or [starts[int(np.argmax(share))]]
