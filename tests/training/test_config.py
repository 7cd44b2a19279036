"""Configs resolve relative paths and refuse absolute ones; the CLI dispatches to recipes."""
import json

import pytest

from fakescope.training import architectures, cli, config


def test_resolve_paths(monkeypatch, tmp_path):
    monkeypatch.setenv("FAKESCOPE_SHARED", str(tmp_path))
    assert config.resolve_path("shared:datasets/audio") == tmp_path / "datasets/audio"
    assert config.resolve_path("models/x.keras") == config.repo_root() / "models/x.keras"
    with pytest.raises(ValueError):
        config.resolve_path("/etc/passwd")


def test_load_config_rejects_absolute_paths(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text(json.dumps({"recipe": "audio", "detector": "x", "data": {"root": "/data/audio"}}))
    with pytest.raises(ValueError, match="absolute"):
        config.load_config("bad", p)


def test_audio_config_loads():
    cfg = config.load_config("audio")
    assert cfg["recipe"] == "audio" and cfg["name"] == "audio"
    # the shipped head is one of the configured heads, on the encoder features the detector computes
    from fakescope.server.features.speech import SPEECH_SPEC

    layers = SPEECH_SPEC.get("encoder_layers")
    served = "_".join([f"first{layers}" if layers else "whisper"] + (["lfcc"] if SPEECH_SPEC.get("spectral") == "lfcc20" else []))
    assert cfg["shipped"] in cfg["heads"] and cfg["heads"][cfg["shipped"]]["features"] == served
    from fakescope.training.audio.features import gate_kind

    assert gate_kind(cfg) == served.split("_")[0]  # the gate reads the served statistics


def test_cli_unknown_config_is_an_error(capsys):
    assert cli.main(["train", "no_such_detector"]) == 2
    assert "no training config" in capsys.readouterr().err


def test_registry_builds_and_rejects_unknown():
    assert {"mfcc_cnn1d", "mel_cnn", "spec_resnet"} <= set(architectures.available())
    with pytest.raises(KeyError):
        architectures.build("nope")
