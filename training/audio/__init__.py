"""The speech model (audio_speech): data (dataset clips + generated TTS fakes), features (Whisper / LFCC
statistics, recording quality), heads (the shipped logistic head, its candidate recipes and row weights, the
Keras comparison heads), recipe (train, evaluate, MODEL) and studies (the checks only this model has).
The evaluation itself is training/evaluation's, the same for every model."""
