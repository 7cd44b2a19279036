/**
 * Options (chrome.storage.local) with defaults and validation, plus the auto-scan site matching and the
 * URL -> check cache policy. Pure: the storage calls live in background/ and options/.
 */

export const DEFAULTS = Object.freeze({
  serverUrl: 'http://127.0.0.1:8765',
  autoScanSites: [],      // hostnames ("news.example" also matches "www.news.example")
  autoScanMinSize: 160,   // CSS px, both sides; icons and thumbnails are not worth a check
  sendBytes: false,       // true: always upload the original bytes instead of the URL
});

/** The server must be the local one: http on a loopback name, any port. */
export function normaliseServerUrl(input) {
  let u;
  try {
    u = new URL(String(input || '').trim());
  } catch {
    throw new Error('Server URL must look like http://127.0.0.1:8765');
  }
  if (u.protocol !== 'http:') throw new Error('Server URL must start with http:// (the server is local)');
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) {
    throw new Error('Server URL must be on this computer: 127.0.0.1 or localhost');
  }
  return `${u.protocol}//${u.host}`;
}

/** Text area (one site per line, or comma-separated) -> clean unique hostnames. */
export function parseSites(text) {
  const out = [];
  for (const raw of String(text || '').split(/[\s,]+/)) {
    let h = raw.trim().toLowerCase();
    if (!h) continue;
    try {
      h = new URL(h.includes('://') ? h : `https://${h}`).hostname;
    } catch {
      continue;
    }
    if (h && !out.includes(h)) out.push(h);
  }
  return out;
}

/** Origin patterns to request as optional host permissions for the listed sites. */
export function sitePatterns(sites) {
  return sites.flatMap((h) => [`https://${h}/*`, `http://${h}/*`, `https://*.${h}/*`]);
}

export function siteListed(pageUrl, sites) {
  let host;
  try {
    host = new URL(pageUrl).hostname.toLowerCase();
  } catch {
    return false;
  }
  return sites.some((s) => host === s || host.endsWith(`.${s}`));
}

/** Merge stored values over the defaults, dropping junk so one bad write cannot break the extension. */
export function withDefaults(stored = {}) {
  const s = { ...DEFAULTS };
  if (typeof stored.serverUrl === 'string') {
    try { s.serverUrl = normaliseServerUrl(stored.serverUrl); } catch { /* keep default */ }
  }
  if (Array.isArray(stored.autoScanSites)) s.autoScanSites = parseSites(stored.autoScanSites.join('\n'));
  const min = Number(stored.autoScanMinSize);
  if (Number.isFinite(min) && min >= 32 && min <= 4096) s.autoScanMinSize = Math.round(min);
  if (typeof stored.sendBytes === 'boolean') s.sendBytes = stored.sendBytes;
  return s;
}

/**
 * Auto-scan batching: pick the URLs not yet checked (cache holds URL -> check id), at most `limit`,
 * unique, http(s) or data: only. The server also caches by the bytes' sha256, so the same picture at
 * two URLs is scored once.
 */
export function pickForScan(candidates, cache, limit = 8) {
  const seen = new Set();
  const out = [];
  for (const c of candidates) {
    const url = c && c.src;
    if (!url || seen.has(url) || (cache && cache[url])) continue;
    if (!/^(https?|data):/i.test(url)) continue;
    seen.add(url);
    out.push(c);
    if (out.length >= limit) break;
  }
  return out;
}

/** Keep the URL -> check cache bounded (oldest entries dropped first; insertion order is age). */
export function pruneCache(cache, max = 500) {
  const keys = Object.keys(cache);
  if (keys.length <= max) return cache;
  const keep = {};
  for (const k of keys.slice(keys.length - max)) keep[k] = cache[k];
  return keep;
}
