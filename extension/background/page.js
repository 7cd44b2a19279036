/**
 * The background's side of the page: injects the badge content script on demand (activeTab or a granted
 * host permission; no <all_urls> content script) and relays badge views to it.
 */

const ext = globalThis.browser ?? globalThis.chrome;
const CONTENT_FILES = ['lib/placement.js', 'content/badge.css.js', 'content/panel.js', 'content/badge.js'];

/** Inject the badge script into one frame; it guards itself against double injection. */
export async function ensureBadgeScript(tabId, frameId = 0) {
  await ext.scripting.executeScript({ target: { tabId, frameIds: [frameId || 0] }, files: CONTENT_FILES });
}

/** Tell the content script which element a job is about (sent once: data: URLs can be large). */
export function attachBadge(tabId, frameId, key, srcUrl, mediaType) {
  return send(tabId, frameId, { type: 'fakescope:attach', key, srcUrl, mediaType });
}

export function showView(tabId, frameId, key, view) {
  return send(tabId, frameId, { type: 'fakescope:view', key, view });
}

/** Ask the page's frame for a blob: URL's bytes as a data: URL (only the page's origin can read it). */
export async function readBlobInPage(tabId, frameId, srcUrl) {
  const answer = await send(tabId, frameId, { type: 'fakescope:read-blob', srcUrl });
  return answer && answer.dataUrl ? answer.dataUrl : null;
}

/** Visible images above the minimum size in the top frame, for "Scan images on this page". */
export async function visibleImages(tabId, minSize) {
  const [res] = await ext.scripting.executeScript({
    target: { tabId },
    args: [minSize],
    func: (min) => {
      const P = globalThis.FakeScopePlacement;
      const vp = { width: innerWidth, height: innerHeight };
      return [...document.images]
        .filter((img) => img.complete && P.worthScanning(img.getBoundingClientRect(), vp, min))
        .map((img) => ({ src: img.currentSrc || img.src }));
    },
  });
  return (res && res.result) || [];
}

async function send(tabId, frameId, message) {
  try {
    return await ext.tabs.sendMessage(tabId, message, { frameId: frameId || 0 });
  } catch {
    // The tab navigated or closed: the check still finishes on the server and shows in the history.
    return null;
  }
}
