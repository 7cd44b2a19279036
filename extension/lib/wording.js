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

// Badge colour families; the content script maps them to CSS.
const TONES = {
  likely_fake: 'fake',
  uncertain: 'uncertain',
  likely_real: 'real',
  not_applicable: 'na',
};

/** Headline for a server verdict; "Not applicable: <reason>" carries the server's reason. */
export function verdictHeadline(verdict, reason) {
  const base = HEADLINES[verdict];
  if (!base) return 'Uncertain';
  if (verdict === 'not_applicable') return reason ? `${base}: ${shorten(reason, 90)}` : base;
  return base;
}

export function verdictTone(verdict) {
  return TONES[verdict] || 'uncertain';
}

/** Calibrated score as a hedged sentence for the details panel (the only place a percentage appears). */
export function scoreSentence(score) {
  if (score === null || score === undefined || Number.isNaN(Number(score))) {
    return 'No score: no detector could judge this media.';
  }
  return `Estimated probability of manipulation: ${percent(score)} (a calibrated model estimate, not proof).`;
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
 * Error code -> message that says what to do. Codes are the server's error codes plus the extension's
 * own (server_unreachable, fetch_failed, permission_needed, not_found_on_page, blob_unreadable).
 */
export function errorMessage(code, detail = {}) {
  switch (code) {
    case 'server_unreachable':
      return `FakeScope server not running — start it with: ${START_COMMAND}`;
    case 'download_failed':
      return detail.upstream_status
        ? `The site refused the download (HTTP ${detail.upstream_status}). Turn on "send bytes" in the options or grant access, then check again.`
        : 'The media could not be downloaded. Check that the page still loads, then try again.';
    case 'forbidden_address':
      return 'The server will not fetch from a local or intranet address. Allow FakeScope to read this site (popup), then check again.';
    case 'permission_needed':
      return `FakeScope needs access to ${detail.origin || 'this site'} to read the media. Open the FakeScope popup, click "Allow", then check again.`;
    case 'fetch_failed':
      return 'The browser could not read the original media bytes. Reload the page and try again.';
    case 'blob_unreadable':
      return 'This media is streamed (blob:) and cannot be read directly. Try "Check" on the page video so the server fetches the page.';
    case 'unsupported_media':
      return 'Unsupported media type. FakeScope checks images, videos and audio files.';
    case 'too_large':
      return 'The media is too large for the server limits. Try a shorter clip or a smaller image.';
    case 'timeout':
      return 'The download timed out. Try again when the connection is faster.';
    case 'decode_failed':
      return 'The media file is damaged or in a format the server cannot decode.';
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

export function shorten(text, max) {
  const s = String(text);
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
