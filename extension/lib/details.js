/**
 * Server check object -> the view the content script draws: the badge (state, headline, tone) and the
 * details panel model (score sentence, detectors, face boxes, timeline, segments, versions, timings).
 * Pure and JSON-serialisable, because it crosses the extension message channel.
 */
import {
  badgeTexts, bandSentence, errorAction, errorMessage, isPageWideError, progressLine, scoreLabel, scoreSentence, trackLines,
  trackName, verdictHeadline, verdictTone, verdictWords,
} from './wording.js';

/** A badge view while the check is queued or running. */
export function pendingView(check = {}) {
  return {
    state: 'pending',
    tone: 'pending',
    headline: progressLine(check.stage, check.progress),
    progress: typeof check.progress === 'number' ? check.progress : null,
    checkId: check.id || null,
  };
}

/** A badge view for an error (server's {code, message, upstream_status} or the extension's own code). */
export function errorView(error = {}, checkId = null) {
  const code = error.code || 'internal';
  return {
    state: 'error', tone: 'error', errorCode: code, headline: errorMessage(code, error), action: errorAction(code), checkId,
    // No server at all: one notice per page (the content script), earlier verdicts stay on their badges.
    pageWide: isPageWideError(code),
  };
}

/**
 * Any check object -> badge view. `serverUrl` turns the server's card paths into links.
 */
export function viewForCheck(check, serverUrl = '') {
  if (!check || typeof check !== 'object') return errorView({ code: 'internal', message: 'empty answer' });
  if (check.status === 'failed') return errorView(check.error || {}, check.id);
  if (check.status === 'cancelled') return errorView({ code: 'cancelled' }, check.id);
  if (check.status !== 'done' || !check.result) return pendingView(check);
  const r = check.result;
  const plainReason = r.plain_reason || r.reason || null;
  return {
    state: 'done',
    tone: verdictTone(r.verdict),
    verdict: r.verdict,
    headline: verdictHeadline(r.verdict, plainReason),
    badge: badgeTexts(r.verdict, r.score, { basis: r.basis, plainReason }),
    checkId: check.id,
    cached: Boolean(check.cached),
    details: detailsModel(r, serverUrl),
  };
}

/** Result -> details panel model: evidence first, then each detector in plain words with its band. */
export function detailsModel(result, serverUrl = '') {
  const media = result.media || {};
  // In a video, the speech detector listens to the soundtrack: say so, next to the picture's detectors.
  const detectors = (result.detectors || []).map((d) => {
    const m = detectorModel(d, serverUrl);
    if (media.kind === 'video' && ((d.regions && d.regions.segments) || /audio|speech/.test(d.detector || ''))) m.title = `${m.title} (soundtrack)`;
    return m;
  });
  const faces = [];
  const timeline = [];
  const segments = [];
  let timelineBand = null;
  let segmentsBand = null;
  for (const d of result.detectors || []) {
    const regions = d.regions || {};
    const band = (d.about && d.about.thresholds) || null;
    for (const f of regions.faces || []) {
      if (validBox(f.box)) faces.push({ box: f.box.map(Number), score: numOrNull(f.score), detector: d.detector });
    }
    for (const t of regions.timeline || []) {
      if (typeof t.t !== 'number') continue;
      const tf = (t.faces || []).filter((f) => validBox(f.box)).map((f) => ({ box: f.box.map(Number), score: numOrNull(f.score) }));
      timeline.push({ t: t.t, score: numOrNull(t.score), faces: tf, detector: d.detector });
      timelineBand = timelineBand || band;
    }
    for (const s of regions.segments || []) {
      if (typeof s.start !== 'number') continue;
      segments.push({ start: s.start, end: Number(s.end ?? s.start), score: numOrNull(s.score), detector: d.detector });
      segmentsBand = segmentsBand || band;
    }
  }
  timeline.sort((a, b) => a.t - b.t);
  segments.sort((a, b) => a.start - b.start);
  const duration = numOrNull(media.duration)
    ?? Math.max(0, ...timeline.map((t) => t.t), ...segments.map((s) => s.end));
  const charts = [];
  if (timeline.length) {
    charts.push({
      id: 'frames', points: timeline.map((t) => ({ start: t.t, end: null, score: t.score })), band: timelineBand, duration,
      title: `${trackName('faces')}, per sampled frame (the picture)`,
      empty: 'grey: no face in that frame',
    });
  }
  if (segments.length) {
    charts.push({
      id: 'segments', points: segments.map((s) => ({ start: s.start, end: s.end, score: s.score })), band: segmentsBand, duration,
      title: media.kind === 'video' ? `${trackName('voice')}, per window (the soundtrack)` : `${trackName('voice')}, per window`,
      empty: 'grey: no speech in that window',
    });
  }
  const evidence = [];
  const otherMetadata = [];
  for (const d of result.detectors || []) {
    for (const e of d.evidence || []) {
      const item = { sentence: e.sentence || evidenceFallback(e), detail: e.detail || '', kind: e.kind || '' };
      (e.indicates === 'ai_generated' ? evidence : otherMetadata).push(item);
    }
  }
  const decider = (result.detectors || []).find((x) => x.detector === result.deciding_detector);
  return {
    headline: verdictHeadline(result.verdict, result.plain_reason || result.reason || null),
    scoreText: result.verdict === 'not_applicable' ? 'No check could judge this media.' : scoreSentence(result.score, result.basis || 'models'),
    score: numOrNull(result.score),
    reason: result.reason || null,
    basis: result.basis || null,
    // One plain line per track ("Voice: likely authentic · 12 % likely manipulated").
    tracks: trackLines(result),
    deciding: titleOf(result.deciding_detector, result.detectors),
    // For "Technical details" only: the internal name and version of the deciding model.
    decidingTech: result.deciding_detector && result.basis === 'models'
      ? `Deciding model: ${result.deciding_detector}${decider && decider.model_version ? ` ${decider.model_version}` : ''} (highest deciding score: ${scoreLabel(result.score) || 'none'})`
      : null,
    evidence,
    otherMetadata,
    detectors,
    media: {
      kind: media.kind || null,
      width: numOrNull(media.width),
      height: numOrNull(media.height),
      duration: numOrNull(media.duration),
      sha256: media.sha256 || null,
    },
    faces,
    timeline,
    segments,
    charts,
    modelVersions: Object.entries(result.model_versions || {}).map(([name, v]) => `${name} ${v ?? 'rule-based'}`),
    timings: timingLines(result.timings || {}),
  };
}

/** One detector for the list: plain name, sentence, card link, status, score and band scale. */
export function detectorModel(d, serverUrl = '') {
  const about = d.about || {};
  const applicable = !(d.verdict === 'not_applicable' || d.score === null || d.score === undefined);
  const experimental = Boolean(about.experimental) || (Boolean(d.advisory) && typeof about.heldout_auc === 'number' && about.heldout_auc < 0.5);
  let status = 'decides';
  if (!applicable) status = 'na';
  else if (experimental) status = 'experimental';
  else if (d.advisory) status = 'advisory';
  else if (about.role === 'rule') status = 'rule';
  const thresholds = about.thresholds || null;
  const title = about.title || String(d.detector || 'detector').replace(/_/g, ' ');
  return {
    name: d.detector,
    title,
    looksFor: about.looks_for || '',
    cardUrl: about.card ? `${serverUrl}${about.card}` : null,
    verdict: d.verdict,
    status,
    // Rules (provenance) state facts: no score, no scale.
    score: applicable && status !== 'rule' ? numOrNull(d.score) : null,
    thresholds,
    band: applicable && !experimental && status !== 'rule' ? bandSentence(Number(d.score), thresholds) : null,
    heldoutAuc: typeof about.heldout_auc === 'number' ? about.heldout_auc : null,
    text: detectorLine({ ...d, experimental, title, plainReason: d.plain_reason }),
    version: d.model_version || null,
    internal: `${d.detector}${d.model_version ? ` ${d.model_version}` : ''}`,
  };
}

export function detectorLine(d) {
  const name = d.title || d.detector;
  const words = verdictWords(d.verdict);
  if (d.verdict === 'not_applicable' || d.score === null || d.score === undefined) {
    const why = d.plainReason || d.reason;
    return `${name}: ${why ? why.charAt(0).toLowerCase() + why.slice(1) : words}`;
  }
  // A rule (provenance) reports what the file states, never a score.
  if (d.about && d.about.role === 'rule') return `${name}: ${d.verdict === 'likely_fake' ? 'AI-generation label found in the file' : 'nothing that declares AI generation'}`;
  // A model worse than chance on unseen generators: its score is no signal at all, so it gets no verdict word.
  if (d.experimental) return `${name}: experimental, not used (${scoreLabel(d.score)})`;
  // An advisory model is too weak on generators it never saw to decide the verdict: say so beside its score.
  const note = d.advisory ? ' (advisory: shown, not used for the verdict)' : '';
  return `${name}: ${words} · ${scoreLabel(d.score)}${note}`;
}

function titleOf(name, detectors) {
  if (!name) return null;
  const d = (detectors || []).find((x) => x.detector === name);
  return (d && d.about && d.about.title) || name;
}

function evidenceFallback(e) {
  return `This file carries generator metadata: ${e.detail || e.kind || 'unknown'}`;
}

function validBox(box) {
  return Array.isArray(box) && box.length === 4 && box.every((v) => Number.isFinite(Number(v)));
}

export function timingLines(timings) {
  const entries = Object.entries(timings).filter(([, v]) => typeof v === 'number');
  // "total" last: it reads as the sum of the stages above it.
  entries.sort(([a], [b]) => (a === 'total') - (b === 'total'));
  return entries.map(([k, v]) => `${k} ${v < 1 ? `${Math.round(v * 1000)} ms` : `${v.toFixed(1)} s`}`);
}

function numOrNull(v) {
  const n = Number(v);
  return v === null || v === undefined || Number.isNaN(n) ? null : n;
}
