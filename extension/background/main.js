/**
 * Background entry (Chrome: module service worker; Firefox: module background script). Registers every
 * listener synchronously at top level, as MV3 requires, and routes menu clicks, popup/content messages
 * and tab loads to the job, scan and API modules.
 */
import * as api from './api.js';
import { checkMedia, resumeJobs } from './jobs.js';
import { maybeAutoScan, scanPage } from './scan.js';
import { isGrantedByManifest, isPrivateHost, originPattern } from '../lib/routing.js';
import { withDefaults } from '../lib/settings.js';

const ext = globalThis.browser ?? globalThis.chrome;
export const MENU_CHECK = 'fakescope-check';
export const MENU_SCAN = 'fakescope-scan-page';

// Settings are cached so the click handler can decide on a permission request synchronously (a
// permissions.request after an await no longer counts as part of the user's gesture).
let cachedSettings = null;
async function settings() {
  if (!cachedSettings) cachedSettings = withDefaults(await ext.storage.local.get(null));
  return cachedSettings;
}
ext.storage.onChanged.addListener((_changes, area) => {
  if (area === 'local') cachedSettings = null;
});

async function createMenus() {
  await ext.contextMenus.removeAll();
  ext.contextMenus.create({ id: MENU_CHECK, title: 'Check with FakeScope', contexts: ['image', 'video', 'audio'] });
  ext.contextMenus.create({ id: MENU_SCAN, title: 'Scan images on this page with FakeScope', contexts: ['page'] });
}
ext.runtime.onInstalled.addListener(() => { createMenus(); });
ext.runtime.onStartup.addListener(() => { createMenus(); });

/**
 * The context-menu handler; outside tests call it with the same (info, tab) Chrome passes.
 * Returns a promise of the final badge view (or the scan summary).
 */
export function handleMenuClick(info, tab) {
  if (info.menuItemId === MENU_CHECK) {
    requestAccessIfNeeded(info.srcUrl);
    return settings().then((s) => checkMedia({
      tabId: tab.id, frameId: info.frameId || 0, srcUrl: info.srcUrl, mediaType: info.mediaType,
      pageUrl: info.frameUrl || info.pageUrl || tab.url,
    }, s));
  }
  if (info.menuItemId === MENU_SCAN) return settings().then((s) => scanPage(tab, s));
  return Promise.resolve(null);
}
ext.contextMenus.onClicked.addListener((info, tab) => { handleMenuClick(info, tab); });

/**
 * Still inside the click's gesture: ask for the media's origin when we already know the bytes will have
 * to come from the browser (intranet address the server refuses, or the "send bytes" option).
 */
function requestAccessIfNeeded(srcUrl) {
  const pattern = originPattern(srcUrl);
  if (!pattern || isGrantedByManifest(srcUrl)) return;
  const privateHost = isPrivateHost(new URL(srcUrl).hostname);
  if (!privateHost && !(cachedSettings && cachedSettings.sendBytes)) return;
  try {
    ext.permissions.request({ origins: [pattern] }).catch(() => {});
  } catch { /* not in a gesture (e.g. a test dispatch): uploadFrom reports permission_needed */ }
}

/** Messages from the popup and the badges (which never call the server themselves). */
ext.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  const handler = MESSAGES[msg && msg.type];
  if (!handler) return false;
  handler(msg, sender).then(
    (value) => sendResponse({ ok: true, value }),
    (err) => sendResponse({ ok: false, error: err instanceof api.ApiError ? err.toJSON() : { code: 'internal', message: String(err) } }),
  );
  return true; // answer asynchronously
});

const MESSAGES = {
  'fakescope:status': async () => {
    const s = await settings();
    const { pendingGrant = null, lastProblem = null } = await ext.storage.session.get(['pendingGrant', 'lastProblem']);
    try {
      const h = await api.health(s.serverUrl);
      let recent = [];
      try { recent = (await api.listChecks(s.serverUrl, 8)).items || []; } catch { /* health is what matters */ }
      return { reachable: true, serverUrl: s.serverUrl, health: h, recent, pendingGrant, lastProblem };
    } catch (err) {
      return { reachable: false, serverUrl: s.serverUrl, error: err.toJSON ? err.toJSON() : String(err), pendingGrant, lastProblem };
    }
  },
  'fakescope:scan-tab': async (msg) => scanPage(await ext.tabs.get(msg.tabId), await settings()),
  'fakescope:feedback': async (msg) => api.sendFeedback((await settings()).serverUrl, msg.checkId, msg.label, msg.comment),
  'fakescope:cancel': async (msg) => api.cancelCheck((await settings()).serverUrl, msg.checkId),
  // Error badges offer "Open options" (content scripts cannot open extension pages themselves).
  'fakescope:open-options': async () => ext.runtime.openOptionsPage(),
  // "Retry" on a badge whose check was lost with its server: check the same medium again, in that frame.
  'fakescope:retry': async (msg, sender) => {
    if (!sender.tab || typeof msg.srcUrl !== 'string') throw new Error('retry needs a page and a medium');
    const target = { tabId: sender.tab.id, frameId: sender.frameId || 0, srcUrl: msg.srcUrl, mediaType: msg.mediaType || 'image', pageUrl: msg.pageUrl || sender.tab.url };
    checkMedia(target, await settings()); // the badge follows the new check; answer the click at once
    return true;
  },
  // The model card a detector links to, opened as a tab (the page cannot navigate to the server itself).
  'fakescope:open-card': async (msg) => {
    const { serverUrl } = await settings();
    if (typeof msg.url !== 'string' || !msg.url.startsWith(`${serverUrl}/api/v1/models/`)) throw new Error('not a model card');
    return ext.tabs.create({ url: msg.url });
  },
};

ext.tabs.onUpdated.addListener((tabId, changeInfo, tab) => {
  if (changeInfo.status !== 'complete') return;
  settings().then((s) => maybeAutoScan(tabId, changeInfo, tab, s)).catch((err) => console.warn('FakeScope auto-scan', err));
});

// Test/automation hook: the same entry points the listeners use (no extra powers).
globalThis.fakescope = { handleMenuClick, MENU_CHECK, MENU_SCAN, messages: MESSAGES };

resumeJobs().catch((err) => console.warn('FakeScope: could not resume jobs', err));
