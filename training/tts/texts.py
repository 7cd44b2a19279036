"""What each real clip says: Whisper tiny.en transcripts (the encoder room's model, greedy decoding),
so the generated fakes read the same sentences as the reals. Cached per clip sha256 under .cache/."""
from __future__ import annotations

import json
from functools import lru_cache

import numpy as np

from fakescope.server.encoders import whisper

from fakescope.training.config import cache_dir

SOT, NO_TIMESTAMPS = 50257, 50362  # tiny.en special tokens (vocabulary.txt)


@lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """Inverse of GPT-2's bytes_to_unicode (Whisper's byte-level BPE alphabet)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def detokenize(tokens: list[str]) -> str:
    dec = _byte_decoder()
    raw = bytes(dec[ch] for t in tokens if not t.startswith("<|") for ch in t if ch in dec)
    return raw.decode("utf-8", errors="ignore").strip()


def transcribe(wave: np.ndarray) -> str:
    """Greedy English transcript of up to 30 s of 16 kHz audio."""
    x = np.asarray(wave, np.float32)[: 30 * whisper.RATE]
    x = np.pad(x, (0, 30 * whisper.RATE - len(x)))  # Whisper decodes from a 30 s context
    mel = whisper.log_mel(x)[:, :3000]
    r = whisper.shared_encoder().generate(mel[None], [SOT, NO_TIMESTAMPS], max_length=120, beam_size=1,
                                          suppress_blank=True)
    return detokenize(r[0].sequences[0])


def transcripts(shas: list[str], waves, log=print) -> dict[str, str]:
    """sha256 -> transcript for every clip, reading/extending .cache/speech_texts/transcripts.json.
    `waves(i)` gives clip i's waveform (decoded only when its transcript is missing)."""
    path = cache_dir() / "speech_texts" / "transcripts.json"
    done = json.loads(path.read_text()) if path.exists() else {}
    todo = [i for i, s in enumerate(shas) if s not in done]
    for n, i in enumerate(todo):
        done[shas[i]] = transcribe(waves(i))
        if n % 50 == 49 or n == len(todo) - 1:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(done, indent=0, ensure_ascii=False))
            tmp.replace(path)
            log(f"    transcribed {n + 1}/{len(todo)}")
    return {s: done[s] for s in shas}
