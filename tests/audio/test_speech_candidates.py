"""The speech model's candidates on the shared folds (training/audio/heads/candidates.py, studies/candidates.py,
studies/bands.py): the replacement rule, the out-of-fold scores the verdict reads, MP3 at a chosen encoder rate,
and the cloning fold of today's pool (data.cloning_folds)."""
from types import SimpleNamespace

import numpy as np

from fakescope.training.audio import data as audio_data
from fakescope.training.audio.studies import bands, candidates
from fakescope.training.augment.audio import codec_roundtrip


def result(mean, worst):
    return {"kinds": {"collection": {"mean": mean, "worst": worst}}}


def test_replacement_rule_needs_a_higher_mean_and_a_worst_fold_not_lower():
    old = result(0.77, 0.42)
    assert candidates.replaces(result(0.78, 0.42), old)
    assert not candidates.replaces(result(0.80, 0.41), old)   # a better mean cannot buy a worse worst fold
    assert not candidates.replaces(result(0.77, 0.50), old)   # the mean must rise


def test_out_of_fold_clips_calibration_and_bands():
    rng = np.random.default_rng(0)
    n = 240
    y = (np.arange(n) % 2).astype(int)
    src = np.array([f"page{i % 4}" for i in range(n)], dtype=object)
    table = {"group": np.array([f"g{i // 2}" for i in range(n)], dtype=object), "system": src.copy(),
             "label": np.where(y == 1, "fake", "real").astype(object), "source": src,
             "path": np.array([f"clip{i}.flac" for i in range(n)], dtype=object)}
    data = SimpleNamespace(table=table, y=y)
    p = np.clip(0.5 + 0.3 * (y - 0.5) + rng.normal(0, 0.15, n), 0.01, 0.99)
    kept = {("collection", f"page{k}"): (np.flatnonzero(src == f"page{k}"), p[src == f"page{k}"]) for k in range(4)}
    kept[("source", "page0")] = (np.flatnonzero(src == "page0"), np.zeros((src == "page0").sum()))  # not read
    o = bands.out_of_fold({"augment": {"seed": 1}}, data, kept)
    assert len(o["clips"]) == n and {c["collection"] for c in o["clips"]} == {"page0", "page1", "page2", "page3"}
    by_path = {c["path"]: c for c in o["clips"]}
    assert by_path["clip3.flac"]["label"] == 1 and by_path["clip4.flac"]["label"] == 0
    assert 0 <= o["ece_cross_fitted"] < 0.15 and o["auc_pooled"] > 0.8
    assert o["bands"]["upper"] is None or o["bands"]["upper"] > 0.5
    role = bands.content_role({"headline": {"mean": 0.8, "worst": 0.6, "n_folds": 4}}, o["bands"])["speech"]
    assert role["heldout_kind"] == "collection" and role["folds"] == 4
    assert set(role["thresholds"]) == {"lower", "upper"}


def test_mp3_at_24_khz_keeps_length_and_shape():
    t = np.arange(16000 * 2) / 16000
    waves = [0.3 * np.sin(2 * np.pi * 440 * t).astype(np.float32), 0.2 * np.sin(2 * np.pi * 220 * t[:20000]).astype(np.float32)]
    out = codec_roundtrip(waves, "mp3", 64, encode_rate=24000)
    assert [len(x) for x in out] == [len(x) for x in waves]
    for a, b in zip(waves, out):
        assert np.corrcoef(a[2000:-2000], b[2000:-2000])[0, 1] > 0.95


def test_cloning_fold_of_the_pool_pairs_prompts_with_their_clones(shared_dir):
    from fakescope.training.audio.data import AudioData
    from fakescope.training.config import load_config

    data = AudioData(load_config("audio"), generated=False, log=lambda *_: None)
    table = audio_data.framework_table(data)
    (fold,) = audio_data.cloning_folds(data, table)
    y, groups = data.y[fold.test], table["group"][fold.test]
    assert y.sum() >= 50 and (1 - y).sum() >= 30
    assert all(set(y[groups == g]) == {0, 1} for g in set(groups))   # every test group: a prompt and its clones
    assert not set(table["source"][fold.train]) & audio_data.zero_shot_sources(data)


def test_the_shipped_candidate_is_the_card_s_shipped_head():
    from fakescope.training.config import load_config

    cfg = load_config("audio")
    ship = cfg["candidates"][cfg["shipped_candidate"]]
    row = cfg["heads"][cfg["shipped"]]
    assert ship["features"] == row["features"] and ship["head"] == row["head"]
    assert cfg["previous_candidate"] in cfg["candidates"]
    from fakescope.training.audio.data import CODEC_VARIANTS

    assert set(ship.get("codecs", ())) <= set(CODEC_VARIANTS)   # copies the data module knows how to make
