/**
 * The only code that talks to the FakeScope server. Runs in the background context: a page's own CORS
 * and private-network rules would block these calls from a content script, and the page must not see
 * the traffic. Every failure becomes an ApiError carrying the server's error code (or
 * "server_unreachable" when nothing listens), so the badge can say what to do.
 */

const ext = globalThis.browser ?? globalThis.chrome;
// The server refuses multipart bodies without this header (a web page cannot send it cross-site).
const CLIENT_HEADER = { 'X-FakeScope-Client': `fakescope-extension/${ext.runtime.getManifest().version}` };

export class ApiError extends Error {
  constructor(code, message, extra = {}) {
    super(message || code);
    this.code = code;
    Object.assign(this, extra);
  }

  toJSON() {
    return { code: this.code, message: this.message, upstream_status: this.upstream_status ?? null, status: this.status ?? null };
  }
}

async function call(serverUrl, path, { method = 'GET', json, form, timeoutMs = 15000 } = {}) {
  const headers = { ...CLIENT_HEADER, Accept: 'application/json' };
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form; // fetch sets the multipart boundary itself
  }
  let res;
  try {
    res = await fetch(`${serverUrl}/api/v1${path}`, {
      method, headers, body, credentials: 'omit', cache: 'no-store', signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    if (err && err.name === 'TimeoutError') throw new ApiError('server_unreachable', 'the server did not answer in time');
    throw new ApiError('server_unreachable', String(err && err.message ? err.message : err));
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    throw new ApiError('internal', `the server answered HTTP ${res.status} without JSON — is ${serverUrl} really FakeScope?`, { status: res.status });
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    throw new ApiError(e.code || 'internal', e.message || `HTTP ${res.status}`, {
      status: res.status, upstream_status: e.upstream_status ?? null, retry_after: res.headers.get('Retry-After'),
    });
  }
  return data;
}

export function health(serverUrl) {
  return call(serverUrl, '/health', { timeoutMs: 4000 });
}

/** POST /checks with JSON {url?, page_url?, kind} -> check object (202, maybe already done if cached). */
export function submitUrl(serverUrl, body) {
  return call(serverUrl, '/checks', { method: 'POST', json: body });
}

/** POST /checks multipart: the original bytes the background read itself. */
export function submitBytes(serverUrl, blob, kind, filename) {
  const form = new FormData();
  form.append('media', blob, filename);
  form.append('kind', kind);
  return call(serverUrl, '/checks', { method: 'POST', form, timeoutMs: 120000 });
}

/** Bounded long-poll: returns when the check ends, its stage differs from `seenStage`, or after `waitS` s. */
export function getCheck(serverUrl, id, waitS = 20, seenStage = '') {
  const stage = seenStage ? `&stage=${encodeURIComponent(seenStage)}` : '';
  return call(serverUrl, `/checks/${encodeURIComponent(id)}?wait=${waitS}${stage}`, { timeoutMs: (waitS + 15) * 1000 });
}

export function listChecks(serverUrl, limit = 10) {
  return call(serverUrl, `/checks?limit=${limit}&offset=0`, { timeoutMs: 5000 });
}

export function cancelCheck(serverUrl, id) {
  return call(serverUrl, `/checks/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function sendFeedback(serverUrl, checkId, label, comment) {
  const body = { check_id: checkId, label };
  if (comment) body.comment = comment;
  return call(serverUrl, '/feedback', { method: 'POST', json: body });
}
