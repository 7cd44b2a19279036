"""The speech gate's figures: refusals of every real clip (out-of-fold over speaker/sentence groups) and of
held-out generated non-speech (another seed), clean and degraded. The final gate head (fitted on every
speech row + the generated non-speech, training.audio.heads.fit_gate) ships beside the detector;
`fakescope train audio` writes it from here."""
from __future__ import annotations

import numpy as np

from fakescope.training.audio.data import AudioData
from fakescope.training.audio.features import encoder_layers, features, gate_kind, non_speech_embeddings
from fakescope.training.audio.heads import fit_gate, score
from fakescope.training.evaluation.publish import pct


def gate_figures(cfg: dict, data: AudioData, feats: list[np.ndarray], smoke: bool, log=print) -> tuple[dict, dict]:
    """(final gate head trained on every speech row + generated non-speech, measured figures)."""
    g = cfg["gate"]
    sm = cfg["smoke"] if smoke else {}
    nv = len(feats) - 1
    layers = encoder_layers(gate_kind(cfg))  # the gate's input: statistics of this encoder depth
    ns_train = non_speech_embeddings(sm.get("non_speech_clips", g["non_speech_clips"]), g["seed"], nv, cfg["augment"]["seed"], layers)
    ns_test = non_speech_embeddings(sm.get("test_clips", g["test_clips"]), g["test_seed"], nv, cfg["augment"]["seed"] + 1, layers)
    xs_ns = np.concatenate(ns_train)
    groups = np.asarray(data.table["group"], dtype=object)
    ug = np.array(sorted(set(groups)), dtype=object)
    fold_of_group = {gr: i % g["cv_folds"] for i, gr in enumerate(np.random.default_rng(g["seed"]).permutation(ug))}
    cv = np.array([fold_of_group[gr] for gr in groups])
    p_speech = np.full((len(feats), len(groups)), np.nan)
    for f in range(g["cv_folds"]):
        tr, va = np.flatnonzero(cv != f), np.flatnonzero(cv == f)
        if len(va) == 0:
            continue
        head = fit_gate(cfg, [ft[tr] for ft in feats], xs_ns)
        for k, ft in enumerate(feats):
            p_speech[k, va] = score(head, "gate", ft[va])
    final = fit_gate(cfg, feats, xs_ns)
    th = g["threshold"]
    real = data.y == 0
    ds = ~data.generated
    test_p = [score(final, "gate", t) for t in ns_test]
    from fakescope.training.augment.nonspeech import non_speech_set

    kinds = np.array(non_speech_set(len(ns_test[0]), g["test_seed"])[1]) if len(ns_test[0]) <= 400 else None
    res = {"threshold": th, "n_real": int((real & ds).sum()),
           "real_refused_clean": int((p_speech[0, real & ds] < th).sum()),
           "real_refused_degraded": int((p_speech[1:, real & ds] < th).sum()) if nv else 0,
           "real_degraded_n": int(nv * (real & ds).sum()),
           "fake_refused_clean": int((p_speech[0, ~real & ds] < th).sum()), "n_fake": int((~real & ds).sum()),
           "generated_refused": int((p_speech[0, data.generated] < th).sum()), "n_generated": int(data.generated.sum()),
           "non_speech_n": int(len(test_p[0])),
           "non_speech_refused_clean": int((test_p[0] < th).sum()),
           "non_speech_refused_degraded": int(sum((p < th).sum() for p in test_p[1:])),
           "non_speech_degraded_n": int(sum(len(p) for p in test_p[1:])),
           "refused_reals": sorted(set(str(p) for p in data.table["path"][real & ds][p_speech[0, real & ds] < th]))[:20]}
    if kinds is not None:
        res["non_speech_per_kind"] = {k: float(np.mean(test_p[0][kinds == k] < th)) for k in sorted(set(kinds))}
    return final, res


def run(cfg: dict, ctx, res: dict) -> dict:
    feats = features(ctx.data, gate_kind(cfg), ctx.variants, cfg["augment"]["seed"])
    return gate_figures(cfg, ctx.data, feats, ctx.smoke, log=ctx.log)[1]


def sections(cfg: dict, res: dict) -> list:
    g = res["gate"]
    return [("Speech gate", f"""
Not applicable with reason "no speech found" when no window's speech probability reaches {g['threshold']}
(plus an energy gate for silence). Real clips refused (out-of-fold over speaker groups): **{g['real_refused_clean']} of
{g['n_real']}** clean, {g['real_refused_degraded']} of {g['real_degraded_n']} degraded; fakes refused {g['fake_refused_clean']}
of {g['n_fake']}; generated TTS refused {g['generated_refused']} of {g['n_generated']}. Generated non-speech
(tones, chords, chirps, noise, hum, clicks, near-silence, music, drums; held-out seed) refused:
**{g['non_speech_refused_clean']} of {g['non_speech_n']}** clean, {g['non_speech_refused_degraded']} of
{g['non_speech_degraded_n']} degraded. Per kind (clean): {', '.join(f'{k} {pct(v, 0)}' for k, v in g.get('non_speech_per_kind', {}).items())}.
{('Refused reals: ' + ', '.join(f'`{p}`' for p in g['refused_reals'])) if g['refused_reals'] else ''}""")]
