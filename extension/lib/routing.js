/**
 * How a right-clicked media element reaches the server (pure decisions, no I/O):
 *   http(s) src            -> JSON {url, page_url, kind}: the server downloads it (default)
 *   blob:/MSE video        -> JSON {page_url, kind:"video"}: the server hands the page to yt-dlp
 *   data: src              -> the background reads the bytes itself and uploads them (multipart)
 *   "send bytes" option    -> the background fetches the http(s) original and uploads it
 *   server refuses a URL   -> (download_failed 401/403, forbidden_address) fall back to uploading bytes
 * Never canvas pixels: browsers add anti-fingerprinting noise to them, which changes the verdict.
 */

export const KINDS = ['image', 'video', 'audio'];

// Same caps as the server's defaults, so we refuse before reading 2 GB into the service worker.
export const BYTE_CAPS = { image: 25e6, audio: 60e6, video: 300e6 };

/** Context-menu mediaType ("image" | "video" | "audio") -> server kind; anything else lets the server sniff. */
export function kindFor(mediaType) {
  return KINDS.includes(mediaType) ? mediaType : 'auto';
}

export function schemeOf(url) {
  if (!url) return '';
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(String(url));
  return m ? m[1].toLowerCase() : '';
}

/**
 * Decide the first attempt for a menu click.
 * @param {{srcUrl?:string, mediaType?:string, pageUrl?:string}} info  context-menu info
 * @param {{sendBytes?:boolean}} settings
 * @returns {{mode:'url', body:object} | {mode:'page', body:object} | {mode:'bytes', fetchUrl:string, kind:string}
 *          | {mode:'page-blob', kind:string} | {mode:'error', code:string}}
 */
export function planSubmission(info, settings = {}) {
  const kind = kindFor(info.mediaType);
  const pageUrl = info.pageUrl || null;
  const scheme = schemeOf(info.srcUrl);
  if (scheme === 'http' || scheme === 'https') {
    if (settings.sendBytes) return { mode: 'bytes', fetchUrl: info.srcUrl, kind };
    // page_url only where the page is a sensible second source: when a media URL is refused the server
    // hands page_url to yt-dlp, which finds the page's VIDEO; for an image or audio that would be a
    // different media, so for those a refusal comes back to us and we upload the original bytes.
    const body = { url: info.srcUrl, kind };
    if (kind === 'video' || kind === 'auto') body.page_url = pageUrl;
    return { mode: 'url', body };
  }
  if (scheme === 'data') return { mode: 'bytes', fetchUrl: info.srcUrl, kind };
  if (scheme === 'blob' || !scheme) {
    // MSE streams (YouTube, X, ...) have no downloadable src: the page is what yt-dlp understands.
    if (kind === 'video' && /^https?:/i.test(pageUrl || '')) {
      return { mode: 'page', body: { page_url: pageUrl, kind: 'video' } };
    }
    // A blob: image/audio lives in the page's origin: only the content script can read its bytes.
    if (scheme === 'blob') return { mode: 'page-blob', kind };
    return { mode: 'error', code: 'unsupported_media' };
  }
  return { mode: 'error', code: 'unsupported_media' };
}

/**
 * After the server answered a URL submission with an error: should the background fetch the bytes
 * itself and upload them? Only for refusals a browser can get around legitimately (the user's own
 * cookies/login, or an intranet address the server's guard will not touch).
 */
export function shouldFallBackToBytes(error, plan) {
  if (!error || !plan || plan.mode !== 'url') return false;
  if (error.code === 'forbidden_address') return true;
  if (error.code === 'download_failed') {
    const status = Number(error.upstream_status);
    return status === 401 || status === 403 || status === 407 || status === 451;
  }
  return false;
}

/** Origin pattern for chrome.permissions ("https://cdn.example/*"), or null for non-http URLs. */
export function originPattern(url) {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return `${u.protocol}//${u.hostname}/*`;
  } catch {
    return null;
  }
}

/** Hosts the manifest already grants (the server's loopback names). */
export function isGrantedByManifest(url) {
  try {
    const { hostname, protocol } = new URL(url);
    return protocol === 'http:' && (hostname === '127.0.0.1' || hostname === 'localhost');
  } catch {
    return false;
  }
}

/**
 * True for addresses the server's guard refuses (loopback, RFC 1918, link-local, .local, .internal):
 * for those the extension knows in advance that it will have to upload the bytes itself, so it asks
 * for the host permission while the user's click still counts as a gesture.
 */
export function isPrivateHost(hostname) {
  const h = String(hostname || '').toLowerCase().replace(/^\[|\]$/g, '');
  if (!h) return false;
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.local') || h.endsWith('.internal')) return true;
  if (h === '::1' || h.startsWith('fe80:') || h.startsWith('fc') || h.startsWith('fd')) return h.includes(':');
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31)
    || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}

/** A filename for the multipart upload (the server sniffs the bytes; this is only for history). */
export function uploadFilename(fetchUrl, kind, mime) {
  if (schemeOf(fetchUrl) !== 'data') {
    try {
      const last = new URL(fetchUrl).pathname.split('/').filter(Boolean).pop();
      if (last) return decodeURIComponent(last).slice(0, 120);
    } catch { /* fall through */ }
  }
  const ext = (String(mime || '').split('/')[1] || 'bin').replace(/[^a-z0-9]/gi, '').slice(0, 8) || 'bin';
  return `${kind === 'auto' ? 'media' : kind}.${ext}`;
}

/** Key that identifies one badge: the frame and the media source. */
export function jobKey(tabId, frameId, srcUrl) {
  return `${tabId}:${frameId || 0}:${srcKey(srcUrl)}`;
}

/** Short stable key for a media source; data: URLs can be megabytes, so long ones are hashed (FNV-1a). */
export function srcKey(srcUrl) {
  const s = String(srcUrl || '');
  if (s.length <= 300) return s;
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i += 1) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${s.slice(0, 40)}#${s.length}-${h.toString(16)}`;
}

export const TERMINAL = new Set(['done', 'failed', 'cancelled']);
