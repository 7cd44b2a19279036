"""The speech model: data (dataset clips + generated TTS fakes), features (Whisper / LFCC statistics), heads,
recipe (train, evaluate), evaluate and card. See README, "How training is laid out"."""
