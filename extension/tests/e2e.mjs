/**
 * End-to-end in a real headless browser (BROWSER=chromium: Debian's Chromium over CDP; BROWSER=firefox:
 * Debian's firefox-esr over WebDriver BiDi), both driven by puppeteer-core, with the unpacked extension
 * against a REAL FakeScope server. Driven by tests/extension/test_e2e.py, which starts the server and the
 * pages and passes:
 *   SERVER_URL  the server (http://127.0.0.1:P)      DOWN_URL   a closed loopback port
 *   PAGE_URL    page with [data-e2e] media           GRID_URL   badges on 48-600 px media and a dense gallery
 *   BLOB_URL    a blob: video on 127.0.0.2 (a site the extension may not read)
 *   SLOW_URL    an audio file the page server trickles out (a check of it stays "downloading")
 *   EXT_DIR     extension/                           SHOTS      folder for the screenshots
 *   CHROMIUM / FIREFOX  browser binaries
 * Firefox hides extension pages and the background from automation, so both browsers load a temporary
 * copy of the extension with a test-only bridge (extension/tests/bridge: a content script on 127.0.0.1
 * pages that relays context-menu clicks to the unchanged background). Prints one JSON line
 * "E2E_RESULT {...}" for the pytest side; any failed assertion exits non-zero.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import http from 'node:http';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

const env = process.env;
const BROWSER = env.BROWSER || 'chromium';
const SERVER_URL = env.SERVER_URL;
const VERDICTS = ['likely_fake', 'uncertain', 'likely_real', 'not_applicable'];
const log = (...a) => console.log(`[e2e ${BROWSER}]`, ...a);
const shot = (page, name) => page.screenshot({ path: join(env.SHOTS, `${BROWSER}-${name}.png`) });
const api = async (path) => (await fetch(`${SERVER_URL}/api/v1${path}`)).json();
const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });
const layout = {}; // geometry measured below, for the pytest side (summary.layout)
// The one vocabulary (issue 21 D) and a number that always says what it is.
const OLD_WORDS = /\b(Likely fake|Likely real|Unsure|Fake\?|Real\?|likely_fake|likely_real|not_applicable)\b/;
const BARE_NUMBER = /\d+ ?%(?! likely manipulated)/;

/**
 * A pass-through HTTP proxy to the FakeScope server that the test can pull the plug on: from the extension's
 * side exactly a server that went away (connections reset, then refused), while the real server keeps
 * serving the other tests.
 */
async function startProxy(target) {
  const up = new URL(target);
  const sockets = new Set();
  const srv = http.createServer((req, res) => {
    const fwd = http.request({ host: up.hostname, port: up.port, path: req.url, method: req.method, headers: { ...req.headers, host: up.host } }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    fwd.on('error', () => res.destroy());
    req.pipe(fwd);
  });
  srv.on('connection', (sock) => { sockets.add(sock); sock.on('close', () => sockets.delete(sock)); });
  await new Promise((r) => { srv.listen(0, '127.0.0.1', r); });
  return { url: `http://127.0.0.1:${srv.address().port}`, stop: () => { srv.close(); for (const sock of sockets) sock.destroy(); } };
}

/** The extension as shipped, plus the test bridge (background entry and content script). */
function testCopy() {
  const dir = mkdtempSync(join(tmpdir(), 'fakescope-ext-'));
  cpSync(env.EXT_DIR, dir, { recursive: true, filter: (src) => !src.startsWith(join(env.EXT_DIR, 'tests')) });
  cpSync(join(env.EXT_DIR, 'tests', 'bridge'), join(dir, 'test-bridge'), { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  manifest.background = { ...manifest.background, service_worker: 'test-bridge/sw.js', scripts: ['test-bridge/sw.js'] };
  manifest.content_scripts = [{ matches: ['http://127.0.0.1/*'], js: ['test-bridge/content.js'], run_at: 'document_start' }];
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

async function launch() {
  if (BROWSER === 'firefox') {
    return puppeteer.launch({
      browser: 'firefox', executablePath: env.FIREFOX || '/usr/bin/firefox-esr', headless: true,
      extraPrefsFirefox: { 'extensions.webextensions.restrictedDomains': '', 'datareporting.policy.dataSubmissionEnabled': false },
    });
  }
  return puppeteer.launch({
    executablePath: env.CHROMIUM || '/usr/bin/chromium', headless: true, enableExtensions: true, pipe: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Ask the background (through the bridge on a 127.0.0.1 page) to run one operation. */
function call(page, op, ...args) {
  return page.evaluate((o, a) => new Promise((resolve, reject) => {
    const id = Math.random().toString(36).slice(2);
    const on = (e) => {
      if (e.source !== window || !e.data || e.data.__fakescopeTest !== 'reply' || e.data.id !== id) return;
      removeEventListener('message', on);
      if ('error' in e.data) reject(new Error(JSON.stringify(e.data.error))); else resolve(e.data.value);
    };
    addEventListener('message', on);
    postMessage({ __fakescopeTest: 'call', id, op: o, args: a }, '*');
  }), op, args);
}

async function openPage(browser, url, viewport = { width: 1280, height: 900 }) {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  await page.goto(url, { waitUntil: 'load' });
  return page;
}

// Badge hosts as the page sees them (state attributes on the host, words inside the open shadow root).
const hostInfo = (page) => page.$$eval('[data-fakescope-badge]', (hs) => hs.map((h) => ({
  src: h.getAttribute('data-fakescope-src'), state: h.getAttribute('data-fakescope-state'), verdict: h.getAttribute('data-fakescope-verdict'),
  check: h.getAttribute('data-fakescope-check'), error: h.getAttribute('data-fakescope-error'), form: h.getAttribute('data-fakescope-form'),
  text: h.shadowRoot ? h.shadowRoot.querySelector('.wrap').textContent : null,
  word: h.shadowRoot ? [...h.shadowRoot.querySelectorAll('.word')].map((w) => w.textContent).join(' ') : null,
  clipped: h.shadowRoot ? [...h.shadowRoot.querySelectorAll('.word, .figure')].some((e) => e.scrollWidth > e.clientWidth + 1) : null,
  label: h.shadowRoot ? h.shadowRoot.querySelector('button.badge').getAttribute('aria-label') : null,
  act: h.shadowRoot && h.shadowRoot.querySelector('.act') ? h.shadowRoot.querySelector('.act').textContent : null,
  meterShown: h.shadowRoot ? !h.shadowRoot.querySelector('.meter').hidden : null,
  box: (h.shadowRoot.querySelector('.wrap') || h).getBoundingClientRect().toJSON(),
})));
const keyOf = (m) => (m.srcUrl.startsWith('data:') ? m.srcUrl.slice(0, 64) : m.srcUrl);
const hostFor = (hosts, m) => hosts.find((h) => h.src === keyOf(m));
const intersects = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
const inside = (a, b) => a.left >= b.left - 0.5 && a.right <= b.right + 0.5 && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;

async function waitAllSettled(page, n, timeout = 240000) {
  await page.waitForFunction((count) => {
    const hs = [...document.querySelectorAll('[data-fakescope-badge]')];
    return hs.length >= count && hs.every((h) => ['done', 'error'].includes(h.getAttribute('data-fakescope-state')));
  }, { timeout, polling: 250 }, n);
}

/** Open the details panel of the badge for `src` with the keyboard (focus the badge button, Enter). */
async function openPanel(page, src) {
  await page.evaluate((s) => {
    for (const h of document.querySelectorAll('[data-fakescope-badge]')) {
      if (h.getAttribute('data-fakescope-open') === 'true') h.shadowRoot.querySelector('.panel .x').click();
    }
    const host = [...document.querySelectorAll('[data-fakescope-badge]')].find((h) => h.getAttribute('data-fakescope-src') === s);
    host.shadowRoot.querySelector('button.badge').focus();
  }, src);
  await page.keyboard.press('Enter');
  await page.waitForFunction((s) => [...document.querySelectorAll('[data-fakescope-badge]')]
    .some((h) => h.getAttribute('data-fakescope-src') === s && h.getAttribute('data-fakescope-open') === 'true'), { timeout: 5000 }, src);
  await sleep(300); // one placement frame
  return page.evaluate((s) => {
    const host = [...document.querySelectorAll('[data-fakescope-badge]')].find((h) => h.getAttribute('data-fakescope-src') === s);
    const panel = host.shadowRoot.querySelector('.panel');
    const overlay = host.shadowRoot.querySelector('.overlay');
    const box = (e) => e.getBoundingClientRect().toJSON();
    const h2 = panel.querySelector('.head h2');
    const range = document.createRange();
    range.selectNodeContents(h2);
    const tech = panel.querySelector('details.tech');
    const outside = [...panel.childNodes].filter((n) => n !== tech).map((n) => n.textContent).join(' ');
    // Text that is cut (scrollWidth beyond its box) must end in an ellipsis (text-overflow), never mid-word.
    const cut = [...panel.querySelectorAll('h2, .raw, .track, .sentence, p, strong')].filter((e) => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0)
      .map((e) => ({ text: e.textContent.slice(0, 40), overflow: getComputedStyle(e).textOverflow, clip: getComputedStyle(e).overflowX }));
    const report = panel.querySelector('.report');
    const footer = panel.querySelector('.row.footer');
    return {
      own: box(host.shadowRoot.querySelector('.wrap')),
      others: [...document.querySelectorAll('[data-fakescope-badge]')].filter((h) => h !== host && h.style.display !== 'none')
        .map((h) => box(h.shadowRoot.querySelector('.wrap'))),
      headingLines: new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size,
      headingCut: h2.scrollWidth > h2.clientWidth + 1 ? getComputedStyle(h2).textOverflow : 'no',
      cut,
      outside,
      techOpen: tech ? tech.open : null,
      tracks: [...panel.querySelectorAll('.tracks li')].map((li) => li.textContent),
      footerButtons: footer ? [...footer.querySelectorAll('button')].map((b) => b.textContent) : [],
      footerBelowReport: Boolean(footer && report && footer.getBoundingClientRect().top >= report.getBoundingClientRect().bottom - 0.5 && !report.contains(footer)),
      reportButtons: report ? [...report.querySelectorAll('button')].map((b) => b.textContent) : [],
      chartGeometry: [...panel.querySelectorAll('[data-chart]')].map((c) => ({ id: c.getAttribute('data-chart'),
        bars: [...c.querySelectorAll('rect.bar')].map(box), labels: [...c.querySelectorAll('text.ylabel, text')].filter((t) => !t.closest('title')).map(box) })),
      faceLabels: [...overlay.querySelectorAll('.face span')].map(box),
      media: (() => { const m = [...document.querySelectorAll('img, video, audio')].find((e) => (e.currentSrc || e.src) === s || (e.currentSrc || e.src).slice(0, 64) === s); return m ? box(m) : null; })(),
      otherMedia: [...document.querySelectorAll('img, video, audio')].filter((e) => (e.currentSrc || e.src) !== s && (e.currentSrc || e.src).slice(0, 64) !== s)
        .map(box).filter((r) => r.width > 1 && r.height > 1),
      text: panel.textContent, box: panel.getBoundingClientRect().toJSON(), side: host.getAttribute('data-fakescope-panel-side'),
      detectors: [...panel.querySelectorAll('.det')].map((d) => ({ name: d.getAttribute('data-detector'), cls: d.className, text: d.textContent,
        card: (d.querySelector('a') || {}).href || null, scale: Boolean(d.querySelector('.scale')) })),
      evidence: [...panel.querySelectorAll('.evidence strong')].map((e) => e.textContent),
      charts: [...panel.querySelectorAll('[data-chart]')].map((c) => ({ id: c.getAttribute('data-chart'), title: c.querySelector('h3').textContent,
        ticks: [...c.querySelectorAll('svg text')].map((t) => t.textContent), lines: c.querySelectorAll('line[stroke-dasharray]').length,
        bars: c.querySelectorAll('rect.bar').length })),
      faces: Number(overlay.getAttribute('data-faces') || 0), overlayHidden: overlay.hidden, frameT: overlay.getAttribute('data-frame-t'),
    };
  }, src);
}

/** Real mouse on the i-th bar of a chart inside the panel of `src`: hover (readout), then optionally click. */
async function pointAtBar(page, src, chartId, i, click) {
  const pt = await page.evaluate((s, c, k) => {
    const host = [...document.querySelectorAll('[data-fakescope-badge]')].find((h) => h.getAttribute('data-fakescope-src') === s);
    const bar = host.shadowRoot.querySelectorAll(`[data-chart="${c}"] rect.bar`)[k];
    bar.scrollIntoView({ block: 'nearest' });
    const r = bar.getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.bottom - 2, t: Number(bar.getAttribute('data-t')) };
  }, src, chartId, i);
  await page.mouse.move(pt.x, pt.y);
  await sleep(100);
  if (click) await page.mouse.click(pt.x, pt.y);
  await sleep(300);
  const readout = await page.evaluate((s, c) => {
    const host = [...document.querySelectorAll('[data-fakescope-badge]')].find((h) => h.getAttribute('data-fakescope-src') === s);
    return host.shadowRoot.querySelector(`[data-chart="${c}"] .readout`).textContent;
  }, src, chartId);
  return { ...pt, readout };
}

/**
 * Layout and wording of an open panel (issue 21 D, E): clear of its own badge and of every other badge,
 * heading on one line, cut text ends in an ellipsis, one plain line per track with labelled numbers,
 * internal names only inside the collapsed "Technical details", Close / Hide badge in their own footer
 * below "Report wrong verdict", chart labels clear of the bars.
 */
function checkPanel(name, p) {
  assert.ok(!intersects(p.box, p.own), `${name}: the panel covers its own badge ${JSON.stringify(p.box)} ${JSON.stringify(p.own)}`);
  for (const o of p.others) assert.ok(!intersects(p.box, o), `${name}: the panel covers another badge ${JSON.stringify(o)}`);
  assert.equal(p.headingLines, 1, `${name}: the heading is on one line`);
  assert.ok(p.headingCut === 'no' || p.headingCut === 'ellipsis', `${name}: heading cut without an ellipsis`);
  for (const c of p.cut) assert.equal(c.overflow, 'ellipsis', `${name}: text cut without an ellipsis: ${JSON.stringify(c)}`);
  assert.equal(p.techOpen, false, `${name}: technical details start collapsed`);
  assert.doesNotMatch(p.outside, /face_manipulation|audio_speech|ai_image|aigen|Highest deciding|likely_fake|likely_real/, `${name}: internal names outside the technical details`);
  assert.doesNotMatch(p.outside, OLD_WORDS, `${name}: the old vocabulary`);
  assert.ok(p.tracks.length >= 1, `${name}: one line per track`);
  for (const t of p.tracks) {
    assert.match(t, /^(Faces|Picture|Voice|Provenance): (likely manipulated|uncertain|likely authentic|not applicable|nothing in the file)/, `${name}: track line "${t}"`);
    assert.doesNotMatch(t, BARE_NUMBER, `${name}: a number without its meaning in "${t}"`);
  }
  assert.deepEqual(p.footerButtons, ['Close', 'Hide badge'], `${name}: Close and Hide badge in the footer`);
  assert.ok(p.footerBelowReport, `${name}: the footer is below the report section, not under its heading`);
  assert.deepEqual(p.reportButtons, ['It is authentic', 'It is manipulated']);
  for (const c of p.chartGeometry) {
    for (const l of c.labels) for (const b of c.bars) assert.ok(!intersects(l, b), `${name} ${c.id}: a chart label over a bar ${JSON.stringify(l)} ${JSON.stringify(b)}`);
  }
  for (const f of p.faceLabels) assert.ok(inside(f, p.media), `${name}: a face label outside its media ${JSON.stringify(f)}`);
  assert.ok(p.media && !intersects(p.box, p.media), `${name}: the panel covers its own media`);
  // Other media: as few as the page leaves room for (recorded; the video's panel has a free place and must take it).
  const coveredMedia = p.otherMedia.filter((r) => intersects(p.box, r)).length;
  (layout.panels ||= {})[name] = { side: p.side, tracks: p.tracks, heading_lines: p.headingLines, charts: p.chartGeometry.map((c) => c.id), covered_media: coveredMedia };
}

const extDir = testCopy();
mkdirSync(env.SHOTS, { recursive: true });
const browser = await launch();
const summary = { browser: BROWSER, version: await browser.version() };
try {
  const extId = await browser.installExtension(extDir);
  log('extension', extId, summary.version);
  const page = await openPage(browser, env.PAGE_URL);
  await page.waitForSelector('html[data-fakescope-test-bridge="ready"]', { timeout: 15000 });
  await call(page, 'setServer', SERVER_URL);
  // <video> with sources: each browser picks the one it plays (Firefox ESR: the WebM) once metadata is in.
  await page.waitForFunction(() => [...document.querySelectorAll('video[data-e2e], audio[data-e2e]')].every((v) => v.readyState >= 1), { timeout: 15000 });
  const media = await page.$$eval('[data-e2e]', (els) => els.map((e) => ({
    name: e.dataset.e2e, mediaType: e.tagName.toLowerCase() === 'img' ? 'image' : e.tagName.toLowerCase(), srcUrl: e.currentSrc || e.src,
  })));
  const tab = await call(page, 'tabFor', page.url());
  assert.ok(tab && tab.id !== undefined, 'the page tab is known to the background');

  // Record every state each badge host goes through.
  await page.evaluate(() => {
    window.__states = {};
    new MutationObserver((recs) => {
      for (const r of recs) {
        const h = r.target;
        if (h.nodeType === 1 && h.hasAttribute('data-fakescope-badge') && h.getAttribute('data-fakescope-state')) {
          (window.__states[h.getAttribute('data-fakescope-src')] ||= []).push(h.getAttribute('data-fakescope-state'));
        }
      }
    }).observe(document.documentElement, { subtree: true, attributes: true, attributeFilter: ['data-fakescope-state'] });
  });

  const t0 = Date.now();
  await call(page, 'dispatch', media, tab);
  await waitAllSettled(page, media.length);
  summary.seconds_to_all_verdicts = (Date.now() - t0) / 1000;
  const hosts = await hostInfo(page);
  const states = await page.evaluate(() => window.__states);
  const history = await api('/checks?limit=100');
  summary.checks = {};
  for (const m of media) {
    const h = hostFor(hosts, m);
    assert.ok(h, `a badge for ${m.name}`);
    assert.equal(states[h.src][0], 'pending', `${m.name} showed progress first`);
    if (m.name === 'missing') {
      // Point 6: a 404 says the file is missing (not "turn on send bytes").
      assert.equal(h.error, 'download_failed', `missing: ${JSON.stringify(h)}`);
      assert.match(h.text, /The file was not found \(HTTP 404\)/);
      assert.doesNotMatch(h.text, /send bytes|grant access/i);
      summary.missing_message = h.text;
      continue;
    }
    assert.equal(h.state, 'done', `${m.name} reached a verdict (error: ${h.error} ${h.text})`);
    assert.ok(VERDICTS.includes(h.verdict), `${m.name} verdict ${h.verdict}`);
    const check = await api(`/checks/${h.check}`);
    assert.equal(check.status, 'done');
    assert.equal(check.result.verdict, h.verdict, `${m.name}: badge shows the server's verdict`);
    assert.ok(history.items.some((c) => c.id === h.check), `${m.name} is in the server history`);
    // Point 5: the badge never shows internal detector names or reasons.
    assert.doesNotMatch(h.text, /face_manipulation|audio_speech|ai_image|provenance|silence found/, `${m.name} badge: ${h.text}`);
    if (h.verdict === 'not_applicable') assert.match(h.word, /^Not applicable/, `${m.name}: "Not applicable" and its reason on the badge`);
    // One vocabulary; no bare number on a badge (the labelled score is in its tooltip and the panel).
    assert.doesNotMatch(h.text, OLD_WORDS, `${m.name} badge: ${h.text}`);
    assert.doesNotMatch(h.text, /\d/, `${m.name} badge shows a number: ${h.text}`);
    assert.equal(h.clipped, false, `${m.name}: the label is cut short (${h.text})`);
    if (check.result.score !== null && check.result.basis === 'models') assert.match(h.label, / likely manipulated\./, `${m.name}: labelled score in the aria-label: ${h.label}`);
    summary.checks[m.name] = { verdict: h.verdict, score: check.result.score, upload: Boolean(check.source && check.source.upload),
      check_id: h.check, kind: check.kind, badge: h.text, form: h.form };
  }
  assert.equal(summary.checks.photo.upload, false, 'http image sent as URL');
  assert.equal(summary.checks.inline.upload, true, 'data: image uploaded as bytes');
  assert.equal(summary.checks.members_only.upload, true, '403 to the server -> bytes from the browser');
  assert.equal(summary.checks.sd_png.verdict, 'likely_fake', 'generator PNG chunk decides');
  assert.match(summary.checks.sd_png.badge, /AI tag/, 'provenance badge: "AI tag", never a model percentage');

  // Badge placement: top-left corner inside the element (never over the video controls), follows scroll.
  const byName = Object.fromEntries(media.map((m) => [m.name, m]));
  const boxOf = (name) => page.$eval(`[data-e2e="${name}"]`, (e) => e.getBoundingClientRect().toJSON());
  const vbox = await boxOf('clip');
  const vhost = hostFor(hosts, byName.clip).box;
  assert.ok(vhost.top >= vbox.top && vhost.bottom < vbox.top + vbox.height / 2, 'video badge in the top half, clear of controls');
  await page.evaluate(() => window.scrollBy(0, 60));
  await sleep(400);
  const moved = hostFor(await hostInfo(page), byName.photo).box;
  const pbox = await boxOf('photo');
  assert.ok(Math.abs(moved.top - (Math.max(pbox.top, 0) + 6)) <= 3, `badge followed the scroll (${moved.top} vs ${pbox.top})`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await sleep(300);

  // Points 1, 3, 5, 7: the details of the generator PNG: evidence first, beside the image, plain names, bands.
  const sd = await openPanel(page, keyOf(byName.sd_png));
  const sdCheck = await api(`/checks/${summary.checks.sd_png.check_id}`);
  const vp = { left: 0, top: 0, right: 1280, bottom: 900 };
  assert.match(sd.evidence[0] || '', /^This file says it was made with Stable Diffusion \(AUTOMATIC1111\): PNG text chunk parameters$/);
  assert.ok(sd.text.indexOf('Evidence in the file') < sd.text.indexOf('Detectors'), 'evidence before the model scores');
  assert.doesNotMatch(sd.text, /probability|calibrated model estimate/i);
  assert.ok(inside(sd.box, vp), `panel inside the viewport ${JSON.stringify(sd.box)}`);
  assert.ok(!intersects(sd.box, await boxOf('sd_png')), `panel beside the image, not over it (${sd.side})`);
  checkPanel('sd_png', sd);
  for (const d of sdCheck.result.detectors) {
    const item = sd.detectors.find((x) => x.name === d.detector);
    assert.ok(item, `details list detector ${d.detector}`);
    assert.ok(item.text.startsWith(d.about.title), `${d.detector} shown by its plain name "${d.about.title}"`);
    assert.ok(item.text.includes(d.about.looks_for), `${d.detector}: one sentence of what it looks for`);
    if (d.about.card) assert.equal(item.card, `${SERVER_URL}${d.about.card}`);
    if (d.about.experimental && d.score !== null) {
      assert.match(item.cls, /st-experimental/);
      assert.match(item.text, /experimental, not used/);
      assert.doesNotMatch(item.text, /likely manipulated/);
    } else if (d.score !== null && d.about.thresholds) {
      assert.ok(item.scale, `${d.detector}: band scale with its thresholds`);
    }
  }
  summary.details_detectors = sdCheck.result.detectors.map((d) => d.detector);
  summary.sd_faces = sd.faces;
  await shot(page, 'image-evidence');

  // "Report wrong verdict" goes through the background to POST /feedback.
  await page.evaluate((s) => {
    const host = [...document.querySelectorAll('[data-fakescope-badge]')].find((h) => h.getAttribute('data-fakescope-src') === s);
    [...host.shadowRoot.querySelectorAll('.panel button')].find((b) => b.textContent === 'It is authentic').click();
  }, keyOf(byName.sd_png));
  await page.waitForFunction((s) => {
    const host = [...document.querySelectorAll('[data-fakescope-badge]')].find((h) => h.getAttribute('data-fakescope-src') === s);
    return host.shadowRoot.querySelector('.panel [role=status]').textContent.startsWith('Thanks: stored');
  }, { timeout: 10000 }, keyOf(byName.sd_png));
  summary.feedback_check = summary.checks.sd_png.check_id;
  await page.keyboard.press('Escape');

  // Points 3 and 4 on the video: face boxes for the frame shown, chart with axis and thresholds, click to seek.
  const clipCheck = await api(`/checks/${summary.checks.clip.check_id}`);
  const faceDet = clipCheck.result.detectors.find((d) => (d.regions && d.regions.timeline || []).length);
  assert.ok(faceDet, 'the video has a per-frame timeline');
  const withFaces = faceDet.regions.timeline.filter((t) => (t.faces || []).length);
  assert.ok(withFaces.length >= 2, 'faces found in at least two sampled frames');
  await page.$eval('[data-e2e="clip"]', (v, t) => { v.pause(); v.currentTime = t; }, withFaces[0].t);
  await sleep(500);
  const vBadgeBefore = hostFor(await hostInfo(page), byName.clip).box;
  const vid = await openPanel(page, keyOf(byName.clip));
  // The badge stays where it was when its panel opens (Chromium moved it to the top-right corner).
  const vBadgeAfter = hostFor(await hostInfo(page), byName.clip).box;
  assert.ok(Math.abs(vBadgeAfter.left - vBadgeBefore.left) <= 1 && Math.abs(vBadgeAfter.top - vBadgeBefore.top) <= 1,
    `video badge jumped when its panel opened: ${JSON.stringify(vBadgeBefore)} -> ${JSON.stringify(vBadgeAfter)}`);
  layout.video_badge_still = true;
  checkPanel('clip', vid);
  assert.equal(layout.panels.clip.covered_media, 0, 'the video panel takes the free place below it, covering no other media');
  assert.ok(vid.faces > 0 && !vid.overlayHidden, `face boxes drawn on the video (${vid.faces})`);
  assert.equal(Number(vid.frameT), withFaces[0].t, 'boxes of the frame shown');
  assert.ok(!intersects(vid.box, vbox), 'panel beside the video');
  const frames = vid.charts.find((c) => c.id === 'frames');
  assert.ok(frames && frames.bars === faceDet.regions.timeline.length, 'one bar per sampled frame');
  assert.ok(frames.ticks.includes('0 s') && frames.ticks.includes('1 s'), `time axis ticks: ${frames.ticks}`);
  // one dashed line per band the face model has for videos (a missing line: no such band for this type)
  const videoLines = Object.values(faceDet.thresholds || {}).filter((v) => typeof v === 'number').length;
  assert.ok(videoLines >= 1, `the face model's video lines: ${JSON.stringify(faceDet.thresholds)}`);
  assert.equal(frames.lines, videoLines, 'one dashed threshold line per band');
  const target = withFaces[withFaces.length - 1];
  const idx = faceDet.regions.timeline.findIndex((t) => t.t === target.t);
  const seek = await pointAtBar(page, keyOf(byName.clip), 'frames', idx, true);
  assert.match(seek.readout, new RegExp(`at ${target.t.toFixed(1)} s: \\d+ % likely manipulated`), `hover value: ${seek.readout}`);
  const now = await page.$eval('[data-e2e="clip"]', (v) => v.currentTime);
  assert.ok(Math.abs(now - target.t) < 0.05, `click-to-seek moved the video to ${target.t} (at ${now})`);
  await sleep(400);
  const after = await page.evaluate((s) => {
    const host = [...document.querySelectorAll('[data-fakescope-badge]')].find((h) => h.getAttribute('data-fakescope-src') === s);
    return host.shadowRoot.querySelector('.overlay').getAttribute('data-frame-t');
  }, keyOf(byName.clip));
  assert.equal(Number(after), target.t, 'face boxes followed the seek');
  summary.video = { faces: vid.faces, frame_t: Number(after), ticks: frames.ticks.filter((t) => t.endsWith(' s')) };
  await shot(page, 'video-faces');

  // Point 4 on the audio: per-window chart, labelled, click to seek the <audio>.
  const speechCheck = await api(`/checks/${summary.checks.speech.check_id}`);
  const segs = (speechCheck.result.detectors.find((d) => d.regions && (d.regions.segments || []).length) || { regions: { segments: [] } }).regions.segments;
  assert.ok(segs.length >= 2, `speech segments (${segs.length})`);
  const aud = await openPanel(page, keyOf(byName.speech));
  checkPanel('speech', aud);
  const segChart = aud.charts.find((c) => c.id === 'segments');
  assert.ok(segChart && segChart.bars === segs.length && segChart.lines === 2, JSON.stringify(aud.charts));
  assert.match(segChart.title, /^Voice/);
  const sorted = [...segs].sort((a, b) => a.start - b.start);
  const aSeek = await pointAtBar(page, keyOf(byName.speech), 'segments', 1, true);
  const aNow = await page.$eval('[data-e2e="speech"]', (a) => a.currentTime);
  assert.ok(Math.abs(aNow - sorted[1].start) < 0.05, `audio jumped to ${sorted[1].start} (at ${aNow})`);
  assert.match(aSeek.readout, /–.* s: \d+ % likely manipulated/);
  assert.ok(inside(aud.box, vp), 'audio panel inside the viewport');
  summary.audio = { segments: segs.length, seek_to: sorted[1].start };
  await shot(page, 'audio-segments');
  // The panel can be moved by its title bar when it hides something.
  const head = await page.evaluate((s) => {
    const host = [...document.querySelectorAll('[data-fakescope-badge]')].find((h) => h.getAttribute('data-fakescope-src') === s);
    const r = host.shadowRoot.querySelector('.panel .head h2').getBoundingClientRect();
    return { x: r.left + 20, y: r.top + r.height / 2 };
  }, keyOf(byName.speech));
  await page.mouse.move(head.x, head.y);
  await page.mouse.down();
  await page.mouse.move(head.x + 120, head.y + 40, { steps: 6 });
  await page.mouse.up();
  await sleep(300);
  const dragged = await page.evaluate((s) => {
    const host = [...document.querySelectorAll('[data-fakescope-badge]')].find((h) => h.getAttribute('data-fakescope-src') === s);
    return { side: host.getAttribute('data-fakescope-panel-side'), box: host.shadowRoot.querySelector('.panel').getBoundingClientRect().toJSON() };
  }, keyOf(byName.speech));
  assert.equal(dragged.side, 'moved');
  assert.ok(Math.abs(dragged.box.left - (aud.box.left + 120)) <= 3 && Math.abs(dragged.box.top - (aud.box.top + 40)) <= 3, JSON.stringify(dragged));
  await page.keyboard.press('Escape');

  // The audio badge sits above the bar (all controls) at its left edge, covering no other element; the
  // same on the grid page below (it was over the caption on one page and below the bar on another).
  const abox = await boxOf('speech');
  const ahost = hostFor(await hostInfo(page), byName.speech).box;
  assert.ok(!intersects(ahost, abox), 'audio badge does not cover the audio controls');
  const audioSide = (b, a) => (b.bottom <= a.top + 0.5 ? 'above' : b.top >= a.bottom - 0.5 ? 'below' : b.left >= a.right - 0.5 ? 'right' : 'over');
  assert.ok(Math.abs(ahost.left - abox.left) <= 1, `audio badge at the bar's left edge ${JSON.stringify(ahost)} ${JSON.stringify(abox)}`);
  layout.audio_badge_side = { page: audioSide(ahost, abox) };

  // The badge disappears with its element.
  await page.$eval('[data-e2e="speech"]', (e) => e.remove());
  await page.waitForFunction((src) => ![...document.querySelectorAll('[data-fakescope-badge]')]
    .some((h) => h.getAttribute('data-fakescope-src') === src), { timeout: 5000 }, byName.speech.srcUrl);

  // Point 2: badges on 48-600 px media and a dense gallery: legible, inside their element, no overlaps.
  const grid = await openPage(browser, env.GRID_URL, { width: 1360, height: 1400 });
  await grid.waitForSelector('html[data-fakescope-test-bridge="ready"]', { timeout: 15000 });
  const gridMedia = await grid.$$eval('[data-grid]', (els) => els.map((e) => ({
    name: e.dataset.grid, mediaType: e.tagName.toLowerCase() === 'img' ? 'image' : e.tagName.toLowerCase(), srcUrl: e.currentSrc || e.src,
    box: e.getBoundingClientRect().toJSON(),
  })));
  await call(grid, 'dispatch', gridMedia, await call(grid, 'tabFor', grid.url()));
  await waitAllSettled(grid, gridMedia.length);
  await sleep(500);
  const gridHosts = await hostInfo(grid);
  const others = await grid.$$eval('button, figcaption, .thumb span, p > span', (els) => els.map((e) => e.getBoundingClientRect().toJSON()));
  summary.grid = {};
  for (const m of gridMedia) {
    const h = hostFor(gridHosts, m);
    assert.ok(h && h.state === 'done', `grid ${m.name}: ${JSON.stringify(h)}`);
    const want = m.box.width >= 240 ? 'full' : m.box.width >= 96 ? 'compact' : 'mini';
    if (m.mediaType === 'image') {
      assert.equal(h.form, want, `${m.name} (${m.box.width}px) uses the ${want} badge`);
      assert.ok(inside(h.box, m.box), `${m.name}: badge inside its element ${JSON.stringify(h.box)} in ${JSON.stringify(m.box)}`);
    }
    assert.match(h.text, /[\u26a0?\u2713\u2013]/, `${m.name}: an icon`);
    assert.equal(h.clipped, false, `${m.name}: no word or score cut short (${h.text})`);
    assert.match(h.label, /^FakeScope: /);
    for (const o of others) assert.ok(!intersects(h.box, o), `${m.name} badge covers a control or caption ${JSON.stringify(o)}`);
    for (const g of gridHosts) if (g !== h) assert.ok(!intersects(h.box, g.box), `${m.name} badge overlaps another badge`);
    if (m.name === 'bars') {
      assert.equal(h.verdict, 'not_applicable');
      assert.ok(/^Not applicable: /.test(h.word) && /no face found/i.test(h.word) && /no soundtrack/i.test(h.word), `plain reasons on the badge: ${h.word}`);
    }
    if (m.mediaType === 'image' && m.box.width <= 64) {
      // A thumbnail keeps most of itself visible: the mini badge is the icon alone.
      const share = (h.box.width * h.box.height) / (m.box.width * m.box.height);
      assert.ok(share < (m.box.width < 60 ? 0.25 : 0.15), `${m.name}: the badge covers ${Math.round(share * 100)} % of the image`);
      (layout.mini_badge_share ||= {})[m.name] = Math.round(share * 1000) / 1000;
    }
    if (m.name === 'audio') {
      assert.ok(Math.abs(h.box.left - m.box.left) <= 1, `grid audio badge at the bar's left edge ${JSON.stringify(h.box)}`);
      layout.audio_badge_side.grid = h.box.bottom <= m.box.top + 0.5 ? 'above' : h.box.top >= m.box.bottom - 0.5 ? 'below' : 'beside';
    }
    assert.doesNotMatch(h.text, OLD_WORDS, `${m.name}: ${h.text}`);
    summary.grid[m.name] = `${h.form}: ${h.text}`;
  }
  assert.equal(layout.audio_badge_side.grid, layout.audio_badge_side.page, 'audio badges sit on the same side on both pages');
  // Face boxes and their labels stay on their own image (a 64 px image's label spilled over the page text).
  for (const name of ['w64', 'w360']) {
    const m = gridMedia.find((x) => x.name === name);
    const p = await openPanel(grid, keyOf(m));
    assert.ok(!intersects(p.box, p.own), `${name}: the panel covers its own badge`);
    for (const f of p.faceLabels) assert.ok(inside(f, m.box), `${name}: a face label outside the image ${JSON.stringify(f)} ${JSON.stringify(m.box)}`);
    (layout.face_labels ||= {})[name] = { faces: p.faces, labels: p.faceLabels.length };
    await grid.keyboard.press('Escape');
  }
  assert.ok(layout.face_labels.w360.labels >= 1, 'a large image labels its face boxes');
  assert.equal(layout.face_labels.w64.labels, 0, 'a 64 px image draws the box without a label');
  await shot(grid, 'grid');
  await grid.close();

  // "Scan images on this page": URLs already checked come from the cache; the data: image is sent again
  // and the server recognises its bytes (sha256), so nothing is re-scored.
  const before = (await api('/checks?limit=100')).items;
  const scan = await call(page, 'scan', tab);
  const fresh = (await api('/checks?limit=100')).items.filter((c) => !before.some((b) => b.id === c.id));
  assert.equal(scan.started, 1, JSON.stringify(scan));
  assert.ok(scan.cached >= 2, JSON.stringify(scan));
  assert.equal(fresh.length, 1);
  assert.equal(fresh[0].cached, true, 'same bytes answered from the server cache');
  summary.scan = scan;

  // Point 6: a blob: video on a site the extension may not read -> "press Allow" in the popup, which has it.
  const blobPage = await openPage(browser, env.BLOB_URL);
  await blobPage.waitForFunction(() => document.body.dataset.ready === '1', { timeout: 15000 });
  const blobSrc = await blobPage.$eval('video', (v) => v.src);
  const blobTab = await call(page, 'newestTab');
  assert.ok(blobTab && !blobTab.url, 'the extension cannot even see the address of that tab');
  blobTab.url = blobPage.url(); // what a real menu click reports as pageUrl
  await call(page, 'dispatch', [{ srcUrl: blobSrc, mediaType: 'video' }], blobTab);
  let status = null;
  for (let i = 0; i < 40 && !(status && status.pendingGrant); i += 1) {
    await sleep(250);
    status = await call(page, 'status');
  }
  const host2 = new URL(env.BLOB_URL).hostname;
  assert.equal(status.pendingGrant, `http://${host2}/*`, JSON.stringify(status));
  assert.match(status.lastProblem.headline, new RegExp(`FakeScope may not read ${host2.replace(/\./g, '\\.')}.*press "Allow"`));
  summary.allow_message = status.lastProblem.headline;
  if (BROWSER === 'chromium') {
    // The popup (an extension page: reachable over CDP, hidden from BiDi) shows the button the message names.
    const popup = await openPage(browser, `chrome-extension://${extId}/popup/popup.html`);
    await popup.waitForSelector('#grant:not([hidden])', { timeout: 10000 });
    assert.equal(await popup.$eval('#grant-button', (b) => b.textContent), `Allow ${host2}`);
    await popup.waitForSelector('#server .ok', { timeout: 10000 });
    const serverText = await popup.$eval('#server', (e) => e.textContent);
    assert.match(serverText, /Checks: .*Voice/, serverText);
    assert.doesNotMatch(serverText, /audio_speech|face_manipulation/, 'plain detector names in the popup');
    await popup.waitForFunction(() => document.querySelectorAll('#recent li strong').length > 0, { timeout: 10000 });
    summary.popup_recent = await popup.$$eval('#recent li strong', (els) => els.map((e) => e.textContent));
    await shot(popup, 'popup-allow');
    await popup.click('#grant-button');
    await popup.waitForFunction(() => document.querySelector('#grant-status').textContent.length > 0, { timeout: 5000 });
    summary.allow_clicked = await popup.$eval('#grant-status', (e) => e.textContent);
    await popup.close();
  }
  await blobPage.close();

  // Issue 26: the server goes away while a check runs (a download the page server trickles out): the badge
  // says so and offers Retry, and nothing keeps spinning. A proxy stands in for the server so that the real
  // one keeps serving the other browser.
  const proxy = await startProxy(SERVER_URL);
  await call(page, 'setServer', proxy.url);
  const slow = await page.$eval('[data-slow]', (e) => ({ name: 'slow', mediaType: 'audio', srcUrl: e.src }));
  const badgeOf = (src) => [...document.querySelectorAll('[data-fakescope-badge]')].find((h) => h.getAttribute('data-fakescope-src') === src);
  await call(page, 'dispatch', [slow], tab);
  await page.waitForFunction((src) => [...document.querySelectorAll('[data-fakescope-badge]')].some((h) => h.getAttribute('data-fakescope-src') === src
    && h.getAttribute('data-fakescope-state') === 'pending' && h.getAttribute('data-fakescope-check')), { timeout: 30000, polling: 100 }, slow.srcUrl);
  const lostId = hostFor(await hostInfo(page), slow).check;
  proxy.stop();
  await page.waitForFunction((src) => [...document.querySelectorAll('[data-fakescope-badge]')].some((h) => h.getAttribute('data-fakescope-src') === src
    && h.getAttribute('data-fakescope-state') === 'error'), { timeout: 60000 }, slow.srcUrl);
  const gone = hostFor(await hostInfo(page), slow);
  assert.equal(gone.error, 'server_gone', JSON.stringify(gone));
  assert.match(gone.text, /went away during this check/);
  assert.equal(gone.act, 'Retry', 'the badge offers Retry');
  assert.equal(gone.meterShown, false, 'no progress bar left running');
  const animations = await page.evaluate(`(${badgeOf})(${JSON.stringify(slow.srcUrl)}).shadowRoot.getAnimations().length`);
  assert.equal(animations, 0, 'nothing spinning');
  // The real server is still downloading it: cancel the check and break the trickle off, so that its worker
  // is free at once (the other browser's checks must not queue behind it).
  const release = () => fetch(`${new URL(env.PAGE_URL).origin}/slow-release`).catch(() => null);
  const cancel = async (id) => {
    await fetch(`${SERVER_URL}/api/v1/checks/${id}`, { method: 'DELETE', headers: { 'X-FakeScope-Client': 'fakescope-e2e' } }).catch(() => null);
    await release();
  };
  await cancel(lostId);
  await shot(page, 'server-gone');
  // Retry with the server back: the same medium is checked again (a new check), then cancelled here.
  await call(page, 'setServer', SERVER_URL);
  await page.evaluate(`(${badgeOf})(${JSON.stringify(slow.srcUrl)}).shadowRoot.querySelector('.act').click()`);
  await page.waitForFunction((src, old) => [...document.querySelectorAll('[data-fakescope-badge]')].some((h) => h.getAttribute('data-fakescope-src') === src
    && h.getAttribute('data-fakescope-state') === 'pending' && h.getAttribute('data-fakescope-check') && h.getAttribute('data-fakescope-check') !== old),
  { timeout: 30000, polling: 100 }, slow.srcUrl, lostId);
  const retried = hostFor(await hostInfo(page), slow).check;
  await cancel(retried);
  summary.server_gone = { error: gone.error, action: gone.act, spinning: animations, retried: retried !== lostId };

  // No server at all: checking every medium on the page gives ONE notice that says how to start it, and
  // every badge keeps the verdict it had (it was one dark error badge per medium, over each other).
  const before2 = Object.fromEntries((await hostInfo(page)).map((h) => [h.src, { state: h.state, verdict: h.verdict }]));
  await call(page, 'setServer', env.DOWN_URL);
  await page.bringToFront();
  const again = media.filter((m) => m.name !== 'speech');
  await page.evaluate(() => { window.__states = {}; });
  await call(page, 'dispatch', again, tab);
  await page.waitForFunction((keys) => keys.every((k) => {
    const st = window.__states[k] || [];
    return st.includes('pending') && ['done', 'error'].includes(st[st.length - 1]);
  }) && document.querySelector('[data-fakescope-notice]'), { timeout: 30000, polling: 100 }, again.map(keyOf));
  await sleep(300);
  const downHosts = await hostInfo(page);
  const notices = await page.$$eval('[data-fakescope-notice]', (ns) => ns.map((n) => ({ text: n.shadowRoot.querySelector('.notice').textContent,
    box: n.shadowRoot.querySelector('.notice').getBoundingClientRect().toJSON() })));
  assert.equal(notices.length, 1, `one notice for the page: ${JSON.stringify(notices)}`);
  assert.match(notices[0].text, /FakeScope server not running — start it with: fakescope serve/);
  assert.ok(inside(notices[0].box, vp), 'the notice is on screen');
  for (const m of again) {
    const h = hostFor(downHosts, m);
    const was = before2[keyOf(m)];
    assert.ok(h, `${m.name} kept its badge`);
    assert.notEqual(h.error, 'server_unreachable', `${m.name}: no per-badge "server not running"`);
    assert.deepEqual({ state: h.state, verdict: h.verdict }, was, `${m.name} kept its verdict`);
  }
  for (const h of downHosts) for (const n of notices) assert.ok(!intersects(h.box, n.box) || h.src === slow.srcUrl, 'the notice covers no badge');
  const downStatus = await call(page, 'status');
  assert.equal(downStatus.reachable, false);
  summary.server_down = { notices: notices.length, kept: again.length };
  if (BROWSER === 'chromium') {
    const popup = await openPage(browser, `chrome-extension://${extId}/popup/popup.html`, { width: 380, height: 420 });
    await popup.waitForSelector('#server .down', { timeout: 10000 });
    assert.equal(await popup.$eval('#server code', (e) => e.textContent), 'fakescope serve');
    const pop = await popup.evaluate(() => ({
      scanDisabled: document.querySelector('#scan').disabled,
      why: document.querySelector('#scan-status').textContent,
      gap: document.querySelector('#scan').getBoundingClientRect().top - document.querySelector('#server code').getBoundingClientRect().bottom,
      recent: document.querySelector('#recent').textContent,
    }));
    assert.equal(pop.scanDisabled, true, 'Scan is disabled while the server is down');
    assert.match(pop.why, /needs the server/);
    assert.ok(pop.gap >= 6, `the command box does not touch the button (${pop.gap} px)`);
    assert.doesNotMatch(pop.recent, /None yet/);
    summary.popup_down = pop;
    await shot(popup, 'popup-server-down');
    await popup.close();
  }
  await shot(page, 'server-down');
  summary.layout = layout;
  summary.ok = true;
} finally {
  console.log(`E2E_RESULT ${JSON.stringify(summary)}`);
  await browser.close().catch(() => {});
  rmSync(extDir, { recursive: true, force: true });
}
