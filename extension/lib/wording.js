/**
 * What the user reads: verdict headlines, progress lines and error messages with what to do next.
 * Pure functions, shared by the background (which builds badge views) and the popup.
 * Headlines never claim certainty and never show the raw percentage (that sits in the details panel).
 */

export const START_COMMAND = 'fakescope serve';

const HEADLINES = {
  likely_fake: 'Likely manipulated',
  uncertain: 'Uncertain',
  likely_real: 'Likely authentic',
  not_applicable: 'Not applicable',
};

// Badge colour families; the content script maps them to CSS (and to a shape and pattern, not only colour).
const TONES = {
  likely_fake: 'fake',
  uncertain: 'uncertain',
  likely_real: 'real',
  not_applicable: 'na',
};

// What a badge can say at each size: icon (a distinct SHAPE per verdict, for colour-blind readers),
// a word for compact badges, the full words for roomy ones.
const BADGE_WORDS = {
  likely_fake: { icon: '\u26a0', word: 'Fake?', full: 'Likely fake' },
  uncertain: { icon: '?', word: 'Unsure', full: 'Uncertain' },
  likely_real: { icon: '\u2713', word: 'Real?', full: 'Likely real' },
  not_applicable: { icon: '\u2013', word: 'N/A', full: 'Not applicable' },
};

/** Headline for a server verdict; not applicable says WHY in plain words ("No speech found"). */
export function verdictHeadline(verdict, reason) {
  const base = HEADLINES[verdict];
  if (!base) return 'Uncertain';
  if (verdict === 'not_applicable') return reason ? shorten(reason, 90) : base;
  return base;
}

export function verdictTone(verdict) {
  return TONES[verdict] || 'uncertain';
}

/**
 * Badge texts for the three sizes (full >= 240 px media, compact, mini < 96 px): icon + word + score.
 * Provenance verdicts carry "AI tag" instead of a percentage: a generator label is a fact, not a score.
 */
export function badgeTexts(verdict, score, { basis = null, plainReason = null } = {}) {
  const w = BADGE_WORDS[verdict] || BADGE_WORDS.uncertain;
  const hasScore = score !== null && score !== undefined && !Number.isNaN(Number(score));
  const figure = basis === 'provenance' ? 'AI tag' : hasScore ? percent(score) : '';
  if (verdict === 'not_applicable') {
    const why = plainReason || 'Not applicable';
    return { icon: w.icon, full: why, compact: shortReason(why), mini: '', figure: '' };
  }
  // Mini badges (thumbnails under 96 px): the icon's shape is the word, plus the score or "AI".
  return { icon: w.icon, full: w.full, compact: w.word, mini: basis === 'provenance' ? 'AI' : figure, figure };
}

/** "No speech found" -> "No speech" for compact badges. */
function shortReason(why) {
  const s = String(why).replace(/ found$/i, '').split(' · ')[0];
  return shorten(s, 14);
}

/** The headline sentence under the verdict in the details panel; never a bare percentage. */
export function scoreSentence(score, basis = 'models') {
  if (basis === 'provenance') {
    return 'Decided by what the file says about itself (see Evidence), not by a model estimate.';
  }
  if (basis === 'advisory') {
    return 'No model that applies here is reliable enough to decide; the experimental scores below are for information only.';
  }
  if (score === null || score === undefined || Number.isNaN(Number(score))) {
    return 'No score: no detector could judge this media.';
  }
  return `Highest deciding model score: ${percent(score)} (an estimate from a model that makes mistakes, not proof).`;
}

/** Which band a score fell in, with the model's own thresholds: "uncertain (between 32% and 78%)". */
export function bandSentence(score, thresholds) {
  if (score === null || score === undefined || !thresholds) return null;
  const { lower, upper } = thresholds;
  if (score >= upper) return `${percent(score)} is at or above this model's ${percent(upper)} line: likely manipulated`;
  if (score <= lower) return `${percent(score)} is at or below this model's ${percent(lower)} line: likely authentic`;
  return `${percent(score)} is between this model's ${percent(lower)} and ${percent(upper)} lines: uncertain`;
}

export function percent(p) {
  return `${Math.round(Math.max(0, Math.min(1, Number(p))) * 100)}%`;
}

/** "downloading 40%" — the server's stage and overall progress while a check runs. */
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
      return 'The server stopped during this check. Start it again and retry.';
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
  return null;
}

export function shorten(text, max) {
  const s = String(text);
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
