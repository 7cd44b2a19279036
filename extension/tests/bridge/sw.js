/**
 * TEST-ONLY background entry of the e2e copy of the extension: the real background (main.js, unchanged)
 * plus the operations the bridge content script relays. Each operation is what a user action does:
 * a context-menu click (handleMenuClick), setting the server URL in the options, opening the popup
 * (the same status message the popup sends).
 */
import '../background/main.js';

const ext = globalThis.browser ?? globalThis.chrome;

const OPS = {
  setServer: (url) => ext.storage.local.set({ serverUrl: url }),
  tabFor: async (url) => {
    const t = (await ext.tabs.query({})).find((x) => x.url === url);
    return t ? { id: t.id, url: t.url } : null;
  },
  // A tab on a site the extension may not read has no url for us (no "tabs" permission): the newest tab.
  newestTab: async () => {
    const t = (await ext.tabs.query({})).sort((a, b) => b.id - a.id)[0];
    return t ? { id: t.id, url: t.url || null } : null;
  },
  // Fire and forget, like the real onClicked listener: the test watches the badges.
  dispatch: (items, tab) => {
    for (const m of items) {
      globalThis.fakescope.handleMenuClick({
        menuItemId: globalThis.fakescope.MENU_CHECK, srcUrl: m.srcUrl, mediaType: m.mediaType, pageUrl: tab.url, frameId: 0,
      }, tab);
    }
    return items.length;
  },
  scan: (tab) => globalThis.fakescope.handleMenuClick({ menuItemId: globalThis.fakescope.MENU_SCAN, pageUrl: tab.url }, tab),
  status: () => globalThis.fakescope.messages['fakescope:status'](),
  extensionUrl: (path) => ext.runtime.getURL(path),
};

ext.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (!msg || msg.type !== 'fakescope-test:call' || !OPS[msg.op]) return false;
  Promise.resolve()
    .then(() => OPS[msg.op](...(msg.args || [])))
    .then((value) => sendResponse({ ok: true, value: value ?? null }), (err) => sendResponse({ ok: false, error: String(err) }));
  return true;
});
