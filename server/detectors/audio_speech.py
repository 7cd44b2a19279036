"""Synthetic-speech detector: TTS, voice conversion and vocoded speech in audio files and in the audio
track of videos.

Pipeline: decode to 16 kHz mono -> energy gate (too little speech -> not applicable) -> ~4 s windows
with hop over the speech-bearing part -> ONE batched model call -> window probabilities averaged ->
calibrated (manifest params) -> banded with the manifest thresholds. Features come from
server.features.audio, the same code training used."""
from __future__ import annotations

import time

import numpy as np

from ..calibration import apply as calibrate
from ..features import audio as feats
from ..media.decode import AUDIO_RATE, DecodeError
from ..verdict import band
from .base import Detector, register

DEFAULT_SERVING = {"hop_s": 2.0, "min_speech_s": 1.5, "max_seconds": 600}
_MIN_WINDOW_SPEECH = 0.25  # windows with less speech than this share are silence/music: not scored


@register
class AudioSpeechDetector(Detector):
    name = "audio_speech"
    kinds = ("audio", "video")
    model_key = "audio_speech"

    def _spec(self) -> tuple[dict, dict]:
        spec = dict(self.entry.get("input") or feats.LOGSPEC_SPEC)
        serving = {**DEFAULT_SERVING, **spec.pop("serving", {})}
        spec.pop("input_shape", None)
        return spec, serving

    def warmup(self) -> None:
        if self.model is not None:
            spec, _ = self._spec()
            x = feats.batch(np.zeros(feats.window_samples(spec), np.float32) + 1e-3, [0], spec)
            self.model.predict(x, verbose=0)

    def predict(self, media, ctx) -> dict:
        t0 = time.perf_counter()
        if self.model is None:
            return self.not_applicable("the audio model is not installed")
        if media.kind != "audio" and media.audio_path is None:
            return self.not_applicable("the video has no audio track")
        spec, serving = self._spec()
        ctx.progress("decoding audio", 0.0)
        try:
            wave = media.audio(serving["max_seconds"])
        except DecodeError as exc:
            return self.not_applicable(f"the audio could not be decoded: {exc}")
        t_dec = time.perf_counter()
        mask = feats.speech_mask(wave)
        speech_s = float(mask.sum() * 0.010)
        if speech_s < serving["min_speech_s"]:
            what = "silence" if speech_s == 0 else f"only {speech_s:.1f} s of speech"
            return self.not_applicable(
                f"{what} found; at least {serving['min_speech_s']:.1f} s of speech is needed to judge a voice",
                timings={"decode": round(t_dec - t0, 3)})
        starts = self._speech_windows(wave, mask, spec, serving["hop_s"])
        ctx.progress("scoring audio", 0.2)
        x = feats.batch(wave, starts, spec)
        ctx.progress("scoring audio", 0.5)
        raw = self.model.predict(x, batch_size=32, verbose=0).ravel().astype(np.float64)
        ctx.progress("scoring audio", 0.9)
        params = self.entry.get("calibration")
        # aggregate raw probabilities first, then calibrate once: the calibration was fitted on
        # single-window clip scores, and averaging keeps the scale of a single window
        score = float(calibrate(np.array([raw.mean()]), params)[0])
        seg_scores = calibrate(raw, params)
        win_s = feats.window_samples(spec) / AUDIO_RATE
        dur = len(wave) / AUDIO_RATE
        segments = [{"start": round(s / AUDIO_RATE, 2), "end": round(min(s / AUDIO_RATE + win_s, dur), 2),
                     "score": round(float(p), 4)} for s, p in zip(starts, seg_scores)]
        th = self.entry.get("thresholds") or {"lower": 0.3, "upper": 0.7}
        ctx.progress("scoring audio", 1.0)
        t_end = time.perf_counter()
        return self.result(score, band(score, th["lower"], th["upper"]), regions={"segments": segments},
                           timings={"decode": round(t_dec - t0, 3), "score": round(t_end - t_dec, 3)},
                           speech_seconds=round(speech_s, 2), windows=len(starts))

    @staticmethod
    def _speech_windows(wave: np.ndarray, mask: np.ndarray, spec: dict, hop_s: float) -> list[int]:
        """Window starts whose window holds at least a quarter speech (10 ms gate frames); if none
        does (speech scattered thinly), the window with the most speech."""
        starts = feats.window_starts(len(wave), spec, hop_s)
        win_frames = int(spec["window_s"] / 0.010)
        cums = np.concatenate([[0], np.cumsum(mask)])
        share = []
        for s in starts:
            a = s // 160
            b = min(a + win_frames, len(mask))
            share.append((cums[b] - cums[min(a, len(mask))]) / max(win_frames, 1))
        keep = [s for s, f in zip(starts, share) if f >= _MIN_WINDOW_SPEECH]
        return keep or [starts[int(np.argmax(share))]]
