"""The generated-fake plan (pure functions; the TTS engines themselves are a training-only extra):
engine shares, eligibility of real clips, Whisper byte-level detokenisation."""
import hashlib

import numpy as np

from fakescope.training.tts.generate import SHARES, eligible, engine_for
from fakescope.training.tts.texts import detokenize


def test_engine_choice_is_deterministic_with_the_planned_shares():
    shas = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(4000)]
    picks = [engine_for(s) for s in shas]
    assert picks == [engine_for(s) for s in shas]
    for name, share in SHARES:
        assert abs(picks.count(name) / len(picks) - share) < 0.03, name


def test_only_english_reals_with_a_real_sentence_are_read():
    table = {"label": np.array(["real", "real", "fake", "real", "real"], dtype=object),
             "language": np.array(["en", "en", "en", "pt", "en"], dtype=object),
             "sha256": np.array(["a", "b", "c", "d", "e"], dtype=object)}
    texts = {"a": "this is a sentence", "b": "two words", "c": "a fake one here", "d": "uma frase em portugues",
             "e": "and another sentence here"}
    assert list(eligible(table, texts)) == [0, 4]


def test_detokenize_bytes_and_specials():
    assert detokenize(["<|startoftranscript|>", "ĠHello", ",", "Ġworld", "<|endoftext|>"]) == "Hello, world"
    assert detokenize(["ĠIt", "âĢĻ", "s"]) == "It\u2019s"


def test_transcribe_reads_a_real_sentence(shared_dir):
    """The transcripts the TTS fakes speak come from the pinned Whisper model's decoder (the shared encoder's
    whole model): LJSpeech LJ001-0002 is "in being comparatively modern." """
    from fakescope.server.media.decode import load_audio
    from fakescope.training.tts.texts import transcribe

    wave = load_audio(shared_dir / "datasets/audio/real/ljspeech_coqui/LJ001-0002.flac")
    text = transcribe(wave).lower()
    assert "comparatively modern" in text, text
