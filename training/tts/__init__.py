"""Locally generated modern TTS fakes that speak the same sentences as the dataset's real clips
(training only: the shipped server never imports this package or its engines)."""
