/**
 * What the user reads: verdict headlines, progress lines and error messages with what to do next.
 * Pure functions, shared by the background (which builds badge views) and the popup: the single source
 * of the extension's words. Headlines never claim certainty; a number always says what it is.
 */

export const START_COMMAND = 'fakescope serve';

// THE vocabulary (issue 21 D): every human-facing verdict word in the extension comes from here. The
// server's machine codes (likely_fake, ...) are a public contract and never shown.
export const VERDICT_LABELS = Object.freeze({
  likely_fake: 'Likely manipulated',
  uncertain: 'Uncertain',
  likely_real: 'Likely authentic',
  not_applicable: 'Not applicable',
});

// Badge colour families; the content script maps them to CSS (and to a shape and pattern, not only colour).
const TONES = {
  likely_fake: 'fake',
  uncertain: 'uncertain',
  likely_real: 'real',
  not_applicable: 'na',
};

// A distinct SHAPE per verdict, for colour-blind readers (and for thumbnails too small for words).
const ICONS = { likely_fake: '\u26a0', uncertain: '?', likely_real: '\u2713', not_applicable: '\u2013' };

// Plain track names for detectors: what the user reads. Internal names stay in "Technical details".
export const TRACK_NAMES = Object.freeze({
  faces: 'Faces', picture: 'Picture', voice: 'Voice', provenance: 'Provenance',
});
const DETECTOR_TRACKS = { face_manipulation: 'faces', ai_image: 'picture', audio_speech: 'voice', provenance: 'provenance' };

/** "Likely manipulated"; an unknown code falls back to "Uncertain", never to a confident label. */
export function verdictLabel(verdict) {
  return VERDICT_LABELS[verdict] || VERDICT_LABELS.uncertain;
}

/** The same words inside a sentence: "likely manipulated". */
export function verdictWords(verdict) {
  return verdictLabel(verdict).toLowerCase();
}

/** Headline for a server verdict; not applicable says WHY in plain words ("Not applicable: no speech found"). */
export function verdictHeadline(verdict, reason) {
  if (verdict === 'not_applicable') {
    return reason ? shorten(`Not applicable: ${String(reason).split(' · ').map(lowerFirst).join(' · ')}`, 90) : VERDICT_LABELS.not_applicable;
  }
  return verdictLabel(verdict);
}

export function verdictTone(verdict) {
  return TONES[verdict] || 'uncertain';
}

/**
 * A score always says what it is: "27 % likely manipulated" (never a bare "27 %", which next to
 * "Likely authentic" reads as "27 % authentic"). null when there is no score.
 */
export function scoreLabel(score) {
  if (score === null || score === undefined || Number.isNaN(Number(score))) return null;
  return `${percent(score)} likely manipulated`;
}

/** Track key for a detector name or a server track ("face_manipulation" -> "faces"); unknown names guessed. */
export function trackOf(name) {
  const n = String(name || '').toLowerCase();
  if (TRACK_NAMES[n]) return n;
  if (DETECTOR_TRACKS[n]) return DETECTOR_TRACKS[n];
  if (/face/.test(n)) return 'faces';
  if (/speech|voice|audio/.test(n)) return 'voice';
  if (/provenance|c2pa|metadata/.test(n)) return 'provenance';
  if (/image|picture|aigen/.test(n)) return 'picture';
  return null;
}

/** "Faces", "Voice", ...; a detector of no known track keeps its own plain title. */
export function trackName(name, fallbackTitle = null) {
  const t = trackOf(name);
  return t ? TRACK_NAMES[t] : (fallbackTitle || String(name || 'Detector').replace(/_/g, ' '));
}

/**
 * One line per track for the panel (and the popup): "Voice: likely authentic · 12 % likely manipulated".
 * Prefers the result's `tracks` list when the server sends one ({track, label, verdict, score, detector}),
 * else the `applied` list ({detector, score, verdict, advisory}), then `not_applied` with its reason.
 * Provenance states a fact, never a score. Advisory tracks say so in plain words.
 * @returns {{track: string|null, name: string, detector: string|null, verdict: string, score: number|null,
 *   advisory: boolean, applicable: boolean, text: string}[]}
 */
export function trackLines(result = {}) {
  const about = {};
  for (const d of result.detectors || []) about[d.detector] = d;
  const lines = [];
  const advisoryOf = (name, given) => (typeof given === 'boolean' ? given : Boolean(about[name] && about[name].advisory));
  const titleOf = (name) => (about[name] && about[name].about && about[name].about.title) || null;
  if (Array.isArray(result.tracks) && result.tracks.length) {
    for (const t of result.tracks) {
      if (!t || typeof t !== 'object') continue;
      const det = t.detector || null;
      const name = t.label || trackName(t.track || det, titleOf(det));
      // The detector's plain reason ("No speech found") before the track's own, which may be internal.
      const plain = (about[det] && about[det].plain_reason) || t.plain_reason || t.reason;
      lines.push(line(t.track || trackOf(det), name, det, t.verdict, t.score, advisoryOf(det, t.advisory), plain));
    }
    return lines;
  }
  if (!('applied' in result) && !('not_applied' in result)) {
    // An answer without the lists (an older server): one line per detector it reports.
    return (result.detectors || []).map((d) => line(trackOf(d.detector), trackName(d.detector, titleOf(d.detector)), d.detector,
      d.verdict, d.verdict === 'not_applicable' ? null : d.score, Boolean(d.advisory), d.plain_reason || d.reason));
  }
  for (const a of result.applied || []) {
    lines.push(line(trackOf(a.detector), trackName(a.detector, titleOf(a.detector)), a.detector, a.verdict, a.score, advisoryOf(a.detector, a.advisory)));
  }
  for (const n of result.not_applied || []) {
    const d = about[n.detector] || {};
    lines.push(line(trackOf(n.detector), trackName(n.detector, titleOf(n.detector)), n.detector, 'not_applicable', null, false,
      d.plain_reason || n.reason));
  }
  return lines;
}

function line(track, name, detector, verdict, score, advisory, reason) {
  const applicable = verdict !== 'not_applicable';
  const num = Number.isFinite(Number(score)) && score !== null && score !== undefined ? Number(score) : null;
  let text;
  if (!applicable) {
    text = `${name}: not applicable${reason ? ` (${lowerFirst(reason)})` : ''}`;
  } else if (track === 'provenance') {
    text = `${name}: ${verdict === 'likely_fake' ? 'likely manipulated · the file says it was AI-generated' : 'nothing in the file declares AI generation'}`;
  } else {
    text = `${name}: ${verdictWords(verdict)}${num !== null ? ` · ${scoreLabel(num)}` : ''}`;
    if (advisory) text += ' · advisory (shown, not used for the verdict)';
  }
  return { track, name, detector, verdict: verdict || 'uncertain', score: applicable ? num : null, advisory: Boolean(advisory), applicable, text };
}

/**
 * Badge texts for the three sizes (full >= 240 px media, compact, mini < 96 px): the verdict's icon and
 * its label, never a bare number (the labelled score is in the tooltip and the panel). Provenance
 * verdicts carry "AI tag": a generator label is a fact, not a score. Mini badges are the icon alone,
 * even for provenance (they must not cover a third of a 60 px thumbnail; the tooltip has the words).
 */
export function badgeTexts(verdict, score, { basis = null, plainReason = null } = {}) {
  const icon = ICONS[verdict] || ICONS.uncertain;
  const provenance = basis === 'provenance';
  const scoreText = provenance ? 'the file says it was AI-generated' : scoreLabel(score);
  if (verdict === 'not_applicable') {
    return { icon, full: verdictHeadline(verdict, plainReason), compact: VERDICT_LABELS.not_applicable, mini: '', figure: '', scoreText: null };
  }
  const label = verdictLabel(verdict);
  return { icon, full: label, compact: label, mini: '', figure: provenance ? 'AI tag' : '', scoreText };
}

/** The sentence under the verdict in the details panel; a number only with what it is. */
export function scoreSentence(score, basis = 'models') {
  if (basis === 'provenance') {
    return 'Decided by what the file says about itself (see Evidence), not by a model estimate.';
  }
  if (basis === 'advisory') {
    return 'No check that applies here is reliable enough to decide; the advisory results below are for information only.';
  }
  if (score === null || score === undefined || Number.isNaN(Number(score))) {
    return 'No check could judge this media.';
  }
  return `${scoreLabel(score)}: an estimate from models that make mistakes, not proof.`;
}

/**
 * Which band a score fell in, with the lines it was banded with: "uncertain (between 32 % and 78 %)". A line
 * may be missing (null): the model has no such band for this kind of media (too weak there to say it).
 */
export function bandSentence(score, thresholds) {
  if (score === null || score === undefined || !thresholds) return null;
  const { lower, upper } = thresholds;
  const hasLower = typeof lower === 'number';
  const hasUpper = typeof upper === 'number';
  const s = scoreLabel(score);
  if (hasUpper && score >= upper) return `${s}: at or above this model's ${percent(upper)} line, so likely manipulated`;
  if (hasLower && score <= lower) return `${s}: at or below this model's ${percent(lower)} line, so likely authentic`;
  if (hasLower && hasUpper) return `${s}: between this model's ${percent(lower)} and ${percent(upper)} lines, so uncertain`;
  if (hasUpper) return `${s}: below this model's ${percent(upper)} line, so uncertain (for this kind of media it never says likely authentic)`;
  if (hasLower) return `${s}: above this model's ${percent(lower)} line, so uncertain (for this kind of media it never says likely manipulated)`;
  return null;
}

export function percent(p) {
  return `${Math.round(Math.max(0, Math.min(1, Number(p))) * 100)} %`;
}

function lowerFirst(s) {
  const t = String(s);
  return /^[A-Z][a-z]/.test(t) ? t.charAt(0).toLowerCase() + t.slice(1) : t;
}

/** "Checking: downloading 40 %" — the server's stage and overall progress while a check runs. */
export function progressLine(stage, progress) {
  const name = stage && String(stage).trim() ? String(stage).trim() : 'queued';
  if (progress === null || progress === undefined || Number.isNaN(Number(progress))) return `Checking: ${name}`;
  return `Checking: ${name} ${percent(progress)}`;
}

/**
 * Error code -> message that says what to do; every action named here exists (the popup's Allow button,
 * the options page, the server command). Codes are the server's error codes plus the extension's own
 * (server_unreachable, fetch_failed, permission_needed, blob_unreadable).
 */
export function errorMessage(code, detail = {}) {
  const status = Number(detail.upstream_status) || null;
  switch (code) {
    case 'server_unreachable':
      return `FakeScope server not running — start it with: ${START_COMMAND}`;
    case 'server_gone':
      return `The FakeScope server went away during this check. Start it again (${START_COMMAND}), then press Retry.`;
    case 'download_failed':
      if (status === 404 || status === 410) return `The file was not found (HTTP ${status}). Reload the page: the link may have changed.`;
      if (status === 401 || status === 403 || status === 407 || status === 451) {
        return `The site refused the download (HTTP ${status}), to the server and to this browser. Log in to the site in this browser, reload the page, then check again.`;
      }
      if (status && status >= 500) return `The site failed to send the file (HTTP ${status}). Try again later.`;
      if (status) return `The site answered HTTP ${status} instead of the file. Reload the page, then check again.`;
      return 'The media could not be downloaded. Check that the page still loads, then try again.';
    case 'forbidden_address':
      return 'The server does not fetch from local or intranet addresses. Start it with --allow-private-addresses to allow that, then check again.';
    case 'permission_needed':
      return `FakeScope may not read ${detail.origin || 'this site'}. Click the FakeScope button in the toolbar, press "Allow", then check again.`;
    case 'fetch_failed':
      return 'The browser could not read the original media bytes. Reload the page and try again.';
    case 'blob_unreadable':
      return 'The page made this media in memory (blob:) and it could not be read. Reload the page and check again; or save the file and run: fakescope check FILE';
    case 'unsupported_media':
      return 'Unsupported media type. FakeScope checks images, videos and audio files.';
    case 'too_large':
      return 'The media is too large for the server limits. Try a shorter clip or a smaller image.';
    case 'timeout':
      return 'The download timed out. Try again when the connection is faster.';
    case 'decode_failed':
      return `The file is damaged or in a format the server cannot decode${detail.message ? ` (${shorten(detail.message, 60)})` : ''}.`;
    case 'busy':
      return 'The server is busy with other checks. Wait a moment and try again.';
    case 'forbidden_origin':
    case 'forbidden_host':
      return 'The server refused the request. Check the server URL in the FakeScope options.';
    case 'cancelled':
      return 'Check cancelled.';
    case 'interrupted':
      return 'The server stopped during this check. Start it again, then press Retry.';
    case 'not_found':
      return 'The server no longer knows this check (it may have been restarted with a new data folder). Check again.';
    case 'bad_request':
      return `The server rejected the request${detail.message ? `: ${shorten(detail.message, 80)}` : ''}.`;
    default:
      return `Check failed${detail.message ? `: ${shorten(detail.message, 100)}` : ''}. Try again; if it persists, look at the server log.`;
  }
}

/** The one button an error badge offers, when a page-side action exists (options; the popup needs the toolbar). */
export function errorAction(code) {
  if (code === 'forbidden_origin' || code === 'forbidden_host') return { label: 'Open options', message: 'fakescope:open-options' };
  // The check was lost with its server: the badge itself can start it again.
  if (code === 'server_gone' || code === 'interrupted') return { label: 'Retry', message: 'fakescope:retry' };
  return null;
}

/** Errors that concern the whole page (no server), shown once per page, not on every badge. */
export function isPageWideError(code) {
  return code === 'server_unreachable';
}

export function shorten(text, max) {
  const s = String(text);
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
