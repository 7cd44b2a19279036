/**
 * Server check object -> the view the content script draws: the badge (state, headline, tone) and the
 * details panel model (score sentence, detectors, face boxes, timeline, segments, versions, timings).
 * Pure and JSON-serialisable, because it crosses the extension message channel.
 */
import { errorMessage, percent, progressLine, scoreSentence, verdictHeadline, verdictTone } from './wording.js';

const DETECTOR_VERDICT_WORDS = {
  likely_fake: 'likely manipulated',
  uncertain: 'uncertain',
  likely_real: 'likely authentic',
  not_applicable: 'not applicable',
};

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
  return { state: 'error', tone: 'error', errorCode: code, headline: errorMessage(code, error), checkId };
}

/** Any check object -> badge view. */
export function viewForCheck(check) {
  if (!check || typeof check !== 'object') return errorView({ code: 'internal', message: 'empty answer' });
  if (check.status === 'failed') return errorView(check.error || {}, check.id);
  if (check.status === 'cancelled') return errorView({ code: 'cancelled' }, check.id);
  if (check.status !== 'done' || !check.result) return pendingView(check);
  const r = check.result;
  return {
    state: 'done',
    tone: verdictTone(r.verdict),
    verdict: r.verdict,
    headline: verdictHeadline(r.verdict, r.reason),
    checkId: check.id,
    cached: Boolean(check.cached),
    details: detailsModel(r),
  };
}

/** Result -> details panel model. */
export function detailsModel(result) {
  const media = result.media || {};
  const detectors = (result.detectors || []).map((d) => ({
    name: d.detector,
    verdict: d.verdict,
    text: detectorLine(d),
    version: d.model_version || null,
  }));
  const faces = [];
  const timeline = [];
  const segments = [];
  for (const d of result.detectors || []) {
    const regions = d.regions || {};
    for (const f of regions.faces || []) {
      if (Array.isArray(f.box) && f.box.length === 4) faces.push({ box: f.box.map(Number), score: numOrNull(f.score), detector: d.detector });
    }
    for (const t of regions.timeline || []) {
      if (typeof t.t === 'number') timeline.push({ t: t.t, score: numOrNull(t.score), detector: d.detector });
    }
    for (const s of regions.segments || []) {
      if (typeof s.start === 'number') segments.push({ start: s.start, end: Number(s.end ?? s.start), score: numOrNull(s.score), detector: d.detector });
    }
  }
  return {
    headline: verdictHeadline(result.verdict, null),
    scoreText: scoreSentence(result.score),
    score: numOrNull(result.score),
    reason: result.reason || null,
    basis: result.basis || null,
    deciding: result.deciding_detector || null,
    detectors,
    media: {
      kind: media.kind || null,
      width: numOrNull(media.width),
      height: numOrNull(media.height),
      duration: numOrNull(media.duration),
      sha256: media.sha256 || null,
    },
    faces,
    timeline: timeline.sort((a, b) => a.t - b.t),
    segments: segments.sort((a, b) => a.start - b.start),
    modelVersions: Object.entries(result.model_versions || {}).map(([name, v]) => `${name} ${v ?? 'rule-based'}`),
    timings: timingLines(result.timings || {}),
  };
}

export function detectorLine(d) {
  const words = DETECTOR_VERDICT_WORDS[d.verdict] || 'uncertain';
  if (d.verdict === 'not_applicable' || d.score === null || d.score === undefined) {
    return `${d.detector}: ${words}${d.reason ? ` (${d.reason})` : ''}`;
  }
  // An advisory model is too weak on generators it never saw to decide the verdict: say so beside its score.
  const note = d.advisory ? ' (advisory: shown, not used for the verdict)' : '';
  return `${d.detector}: ${words}, score ${percent(d.score)}${note}`;
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
