/**
 * "Scan images on this page" and the opt-in auto-scan: visible images above the minimum size, checked
 * in small batches (the server has a bounded queue), each URL at most once (URL -> check cache here,
 * and the server's own sha256 cache for the same bytes under another URL).
 */
import { checkMedia, showKnownCheck } from './jobs.js';
import { ensureBadgeScript, visibleImages } from './page.js';
import { pickForScan, siteListed, sitePatterns } from '../lib/settings.js';

const ext = globalThis.browser ?? globalThis.chrome;
const BATCH = 2; // matches the server's default worker count: more would only queue
const MAX_PER_SCAN = 12;
const scanning = new Set(); // tab ids with a scan in progress

export async function scanPage(tab, settings) {
  if (!tab || tab.id === undefined || scanning.has(tab.id)) return { started: 0 };
  scanning.add(tab.id);
  try {
    await ensureBadgeScript(tab.id, 0);
    const images = await visibleImages(tab.id, settings.autoScanMinSize);
    const { scanCache = {} } = await ext.storage.local.get('scanCache');
    const known = images.filter((c) => scanCache[c.src]).slice(0, MAX_PER_SCAN);
    const fresh = pickForScan(images, scanCache, MAX_PER_SCAN);
    for (const c of known) await showKnownOrRecheck(tab, c.src, scanCache[c.src], settings);
    for (let i = 0; i < fresh.length; i += BATCH) {
      await Promise.all(fresh.slice(i, i + BATCH).map((c) => checkMedia(target(tab, c.src), settings)));
    }
    return { started: fresh.length, cached: known.length };
  } finally {
    scanning.delete(tab.id);
  }
}

async function showKnownOrRecheck(tab, src, checkId, settings) {
  const view = await showKnownCheck(target(tab, src), checkId, settings);
  // The server forgot it (new data dir): check again rather than show a stale error.
  if (view && view.errorCode === 'not_found') await checkMedia(target(tab, src), settings);
}

function target(tab, src) {
  return { tabId: tab.id, frameId: 0, srcUrl: src, mediaType: 'image', pageUrl: tab.url };
}

/** Auto-scan when a listed site finishes loading, if the user granted that site (options page). */
export async function maybeAutoScan(tabId, changeInfo, tab, settings) {
  if (changeInfo.status !== 'complete' || !tab || !tab.url) return;
  if (!settings.autoScanSites.length || !siteListed(tab.url, settings.autoScanSites)) return;
  const host = new URL(tab.url).hostname;
  const granted = await ext.permissions.contains({ origins: sitePatterns([host]).slice(0, 1) }).catch(() => false);
  const grantedParent = granted || await ext.permissions.contains({ origins: sitePatterns(settings.autoScanSites) }).catch(() => false);
  if (!grantedParent) return;
  await scanPage(tab, settings);
}
