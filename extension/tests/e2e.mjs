/**
 * End-to-end in real headless Chromium with the unpacked extension, against a REAL FakeScope server.
 * Driven by tests/extension/test_e2e.py, which starts the server and the page and passes:
 *   SERVER_URL  the server (http://127.0.0.1:P)      DOWN_URL  a closed loopback port
 *   PAGE_URL    page with [data-e2e] img/video/audio  EXT_DIR   extension/
 *   SCREENSHOT  where to save the screenshot         CHROMIUM  browser binary (default /usr/bin/chromium)
 * Prints one JSON line "E2E_RESULT {...}" for the pytest side; any failed assertion exits non-zero.
 */
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const env = process.env;
const SERVER_URL = env.SERVER_URL;
const VERDICTS = ['likely_fake', 'uncertain', 'likely_real', 'not_applicable'];
const log = (...a) => console.log('[e2e]', ...a);

const context = await chromium.launchPersistentContext('', {
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: [`--disable-extensions-except=${env.EXT_DIR}`, `--load-extension=${env.EXT_DIR}`, '--no-sandbox', '--disable-gpu',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const summary = {};
try {
  let [worker] = context.serviceWorkers();
  if (!worker) worker = await context.waitForEvent('serviceworker', { timeout: 30000 });
  const extId = new URL(worker.url()).host;
  log('extension', extId);
  await worker.evaluate((url) => chrome.storage.local.set({ serverUrl: url }), SERVER_URL);

  const page = await context.newPage();
  await page.goto(env.PAGE_URL);
  await page.waitForLoadState('load');
  const media = await page.$$eval('[data-e2e]', (els) => els.map((e) => ({
    name: e.dataset.e2e, mediaType: e.tagName.toLowerCase() === 'img' ? 'image' : e.tagName.toLowerCase(), srcUrl: e.currentSrc || e.src,
  })));
  assert.ok(media.length >= 3, 'the page has media to check');
  const tab = await worker.evaluate(async (url) => {
    const t = (await chrome.tabs.query({})).find((x) => x.url === url);
    return { id: t.id, url: t.url };
  }, page.url());

  // Record every state each badge host goes through (the page DOM is visible to the test; the shadow is not).
  await page.evaluate(() => {
    window.__states = {};
    new MutationObserver((recs) => {
      for (const r of recs) {
        const h = r.target;
        if (h.nodeType === 1 && h.hasAttribute('data-fakescope-badge') && h.getAttribute('data-fakescope-state')) {
          const k = h.getAttribute('data-fakescope-src');
          (window.__states[k] ||= []).push(h.getAttribute('data-fakescope-state'));
        }
      }
    }).observe(document.documentElement, { subtree: true, attributes: true, attributeFilter: ['data-fakescope-state'] });
  });

  // Dispatch the context-menu item exactly as the onClicked listener does.
  const dispatch = (items) => worker.evaluate(({ items: list, t }) => {
    globalThis.__e2eRuns = list.map((m) => globalThis.fakescope.handleMenuClick(
      { menuItemId: globalThis.fakescope.MENU_CHECK, srcUrl: m.srcUrl, mediaType: m.mediaType, pageUrl: t.url, frameId: 0 }, t));
  }, { items, t: tab });
  const t0 = Date.now();
  await dispatch(media);

  const hostInfo = () => page.$$eval('[data-fakescope-badge]', (hs) => hs.map((h) => ({
    src: h.getAttribute('data-fakescope-src'), state: h.getAttribute('data-fakescope-state'), verdict: h.getAttribute('data-fakescope-verdict'),
    check: h.getAttribute('data-fakescope-check'), error: h.getAttribute('data-fakescope-error'), box: h.getBoundingClientRect().toJSON(),
  })));
  const hostFor = (hosts, m) => hosts.find((h) => h.src === (m.srcUrl.startsWith('data:') ? m.srcUrl.slice(0, 64) : m.srcUrl));

  await page.waitForFunction((n) => {
    const hs = [...document.querySelectorAll('[data-fakescope-badge]')];
    return hs.length >= n && hs.every((h) => ['done', 'error'].includes(h.getAttribute('data-fakescope-state')));
  }, media.length, { timeout: 240000, polling: 250 });
  summary.seconds_to_all_verdicts = (Date.now() - t0) / 1000;
  const hosts = await hostInfo();
  const states = await page.evaluate(() => window.__states);
  const history = await (await fetch(`${SERVER_URL}/api/v1/checks?limit=50`)).json();
  summary.checks = {};
  for (const m of media) {
    const h = hostFor(hosts, m);
    assert.ok(h, `a badge for ${m.name}`);
    assert.equal(h.state, 'done', `${m.name} reached a verdict (error: ${h.error})`);
    assert.ok(VERDICTS.includes(h.verdict), `${m.name} verdict ${h.verdict}`);
    assert.equal(states[h.src][0], 'pending', `${m.name} showed progress first`);
    const check = await (await fetch(`${SERVER_URL}/api/v1/checks/${h.check}`)).json();
    assert.equal(check.status, 'done');
    assert.equal(check.result.verdict, h.verdict, `${m.name}: badge shows the server's verdict`);
    assert.ok(history.items.some((c) => c.id === h.check), `${m.name} is in the server history`);
    summary.checks[m.name] = { verdict: h.verdict, score: check.result.score, upload: Boolean(check.source && check.source.upload), check_id: h.check, kind: check.kind };
  }
  // How the media reached the server: URL for plain http, bytes for data: and for what the server was refused.
  if (summary.checks.photo) assert.equal(summary.checks.photo.upload, false, 'http image sent as URL');
  if (summary.checks.inline) assert.equal(summary.checks.inline.upload, true, 'data: image uploaded as bytes');
  if (summary.checks.members_only) assert.equal(summary.checks.members_only.upload, true, '403 to the server -> bytes from the browser');

  // Badge placement: top-left corner inside the element (so never over the video controls), follows scroll.
  const photo = media.find((m) => m.name === 'photo') || media[0];
  const video = media.find((m) => m.mediaType === 'video');
  const boxOf = (m) => page.$eval(`[data-e2e="${m.name}"]`, (e) => e.getBoundingClientRect().toJSON());
  const vbox = await boxOf(video);
  const vhost = hostFor(hosts, video).box;
  assert.ok(vhost.top >= vbox.top && vhost.bottom < vbox.top + vbox.height / 2, 'video badge in the top half, clear of controls');
  await page.evaluate(() => window.scrollBy(0, 60));
  await page.waitForTimeout(300);
  const moved = hostFor(await hostInfo(), photo).box;
  const pbox = await boxOf(photo);
  assert.ok(Math.abs(moved.top - (Math.max(pbox.top, 0) + 6)) <= 2, `badge followed the scroll (${moved.top} vs ${pbox.top})`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);

  // Details panel, opened with the keyboard on the badge button inside the closed shadow root.
  const cdp = await context.newCDPSession(page);
  await cdp.send('DOM.getDocument', { depth: -1, pierce: true });
  const axNames = async () => (await cdp.send('Accessibility.getFullAXTree')).nodes
    .map((n) => ({ role: n.role && n.role.value, name: (n.name && n.name.value) || '', id: n.backendDOMNodeId }));
  const badgeButton = (await axNames()).find((n) => n.role === 'button' && n.name.startsWith('FakeScope:') && n.name.includes('details'));
  assert.ok(badgeButton, 'badge is an accessible button with a label');
  await cdp.send('DOM.focus', { backendNodeId: badgeButton.id });
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-fakescope-open="true"]', { timeout: 5000 });
  const opened = await page.$eval('[data-fakescope-open="true"]', (h) => h.getAttribute('data-fakescope-check'));
  const openedCheck = await (await fetch(`${SERVER_URL}/api/v1/checks/${opened}`)).json();
  const texts = (await axNames()).map((n) => n.name).join('\n');
  assert.match(texts, /FakeScope details/);
  assert.match(texts, /Estimated probability of manipulation: \d+%|No score/);
  for (const d of openedCheck.result.detectors) assert.ok(texts.includes(d.detector), `details list detector ${d.detector}`);
  assert.match(texts, /It is authentic/);
  summary.details_detectors = openedCheck.result.detectors.map((d) => d.detector);
  await page.screenshot({ path: env.SCREENSHOT });

  // "Report wrong verdict" goes through the background to POST /feedback.
  const report = (await axNames()).find((n) => n.role === 'button' && n.name === 'It is authentic');
  await cdp.send('DOM.focus', { backendNodeId: report.id });
  await page.keyboard.press('Enter');
  let thanks = false;
  for (let i = 0; i < 40 && !thanks; i += 1) {
    thanks = (await axNames()).some((n) => n.name.startsWith('Thanks: stored'));
    if (!thanks) await page.waitForTimeout(250);
  }
  assert.ok(thanks, 'feedback confirmed');
  summary.feedback_check = opened;
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-fakescope-open="false"]', { timeout: 5000 });

  // The badge disappears with its element.
  const audio = media.find((m) => m.mediaType === 'audio');
  await page.$eval(`[data-e2e="${audio.name}"]`, (e) => e.remove());
  await page.waitForFunction((src) => ![...document.querySelectorAll('[data-fakescope-badge]')].some((h) => h.getAttribute('data-fakescope-src') === src), audio.srcUrl, { timeout: 5000 });

  // Popup: server reachable, recent checks listed.
  const popup = await context.newPage();
  await popup.goto(`chrome-extension://${extId}/popup/popup.html`);
  await popup.waitForSelector('#server .ok', { timeout: 10000 });
  await popup.waitForFunction(() => document.querySelectorAll('#recent li strong').length > 0, null, { timeout: 10000 });
  summary.popup_recent = await popup.$$eval('#recent li strong', (els) => els.map((e) => e.textContent));

  // "Scan images on this page": URLs already checked are shown from the cache, the data: image is sent
  // again but the server recognises its bytes (sha256) and answers from its cache: nothing is re-scored.
  const before = (await (await fetch(`${SERVER_URL}/api/v1/checks?limit=100`)).json()).items;
  const scan = await worker.evaluate((t) => globalThis.fakescope.handleMenuClick({ menuItemId: globalThis.fakescope.MENU_SCAN, pageUrl: t.url }, t), tab);
  const after = (await (await fetch(`${SERVER_URL}/api/v1/checks?limit=100`)).json()).items;
  const fresh = after.filter((c) => !before.some((b) => b.id === c.id));
  assert.deepEqual({ started: scan.started, cached: scan.cached }, { started: 1, cached: 2 }, JSON.stringify(scan));
  assert.equal(fresh.length, 1);
  assert.equal(fresh[0].cached, true, 'same bytes answered from the server cache');
  summary.scan = scan;

  // Server down: the badge says exactly how to start it, and so does the popup.
  await worker.evaluate((url) => chrome.storage.local.set({ serverUrl: url }), env.DOWN_URL);
  await popup.reload();
  await popup.waitForSelector('#server .down', { timeout: 10000 });
  assert.equal(await popup.$eval('#server code', (e) => e.textContent), 'fakescope serve');
  await popup.close();
  await page.bringToFront();
  await dispatch([photo]);
  await page.waitForFunction((src) => [...document.querySelectorAll('[data-fakescope-badge]')]
    .some((h) => h.getAttribute('data-fakescope-src') === src && h.getAttribute('data-fakescope-state') === 'error'), photo.srcUrl, { timeout: 20000 });
  const down = hostFor(await hostInfo(), photo);
  assert.equal(down.error, 'server_unreachable');
  const downTexts = (await axNames()).map((n) => n.name).join('\n');
  assert.match(downTexts, /FakeScope server not running — start it with: fakescope serve/);
  await page.screenshot({ path: env.SCREENSHOT.replace(/\.png$/, '-server-down.png') });
  summary.ok = true;
} finally {
  console.log(`E2E_RESULT ${JSON.stringify(summary)}`);
  await context.close();
}
