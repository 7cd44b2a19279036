/**
 * End-to-end in a real headless browser (BROWSER=chromium: Debian's Chromium over CDP; BROWSER=firefox:
 * Debian's firefox-esr over WebDriver BiDi), both driven by puppeteer-core, with the unpacked extension
 * against a REAL FakeScope server. Driven by tests/extension/test_e2e.py, which starts the server and the
 * pages and passes:
 *   SERVER_URL  the server (http://127.0.0.1:P)      DOWN_URL   a closed loopback port
 *   PAGE_URL    page with [data-e2e] media           GRID_URL   badges on 48-600 px media and a dense gallery
 *   BLOB_URL    a blob: video on 127.0.0.2 (a site the extension may not read)
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
    return {
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
  await page.waitForFunction(() => [...document.querySelectorAll('video, audio')].every((v) => v.readyState >= 1), { timeout: 15000 });
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
    if (h.verdict === 'not_applicable') assert.equal(h.word, check.result.plain_reason, `${m.name}: plain reason on the badge`);
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
  const vid = await openPanel(page, keyOf(byName.clip));
  assert.ok(vid.faces > 0 && !vid.overlayHidden, `face boxes drawn on the video (${vid.faces})`);
  assert.equal(Number(vid.frameT), withFaces[0].t, 'boxes of the frame shown');
  assert.ok(!intersects(vid.box, vbox), 'panel beside the video');
  const frames = vid.charts.find((c) => c.id === 'frames');
  assert.ok(frames && frames.bars === faceDet.regions.timeline.length, 'one bar per sampled frame');
  assert.ok(frames.ticks.includes('0 s') && frames.ticks.includes('1 s'), `time axis ticks: ${frames.ticks}`);
  assert.equal(frames.lines, 2, 'two dashed threshold lines');
  const target = withFaces[withFaces.length - 1];
  const idx = faceDet.regions.timeline.findIndex((t) => t.t === target.t);
  const seek = await pointAtBar(page, keyOf(byName.clip), 'frames', idx, true);
  assert.match(seek.readout, new RegExp(`at ${target.t.toFixed(1)} s: \\d+%`), `hover value: ${seek.readout}`);
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
  const segChart = aud.charts.find((c) => c.id === 'segments');
  assert.ok(segChart && segChart.bars === segs.length && segChart.lines === 2, JSON.stringify(aud.charts));
  assert.match(segChart.title, /Speech/);
  const sorted = [...segs].sort((a, b) => a.start - b.start);
  const aSeek = await pointAtBar(page, keyOf(byName.speech), 'segments', 1, true);
  const aNow = await page.$eval('[data-e2e="speech"]', (a) => a.currentTime);
  assert.ok(Math.abs(aNow - sorted[1].start) < 0.05, `audio jumped to ${sorted[1].start} (at ${aNow})`);
  assert.match(aSeek.readout, /–.* s: \d+%/);
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

  // The audio badge sits beside the bar (all controls), covering no other element.
  const abox = await boxOf('speech');
  const ahost = hostFor(await hostInfo(page), byName.speech).box;
  assert.ok(!intersects(ahost, abox), 'audio badge does not cover the audio controls');

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
      assert.ok(/No face found/.test(h.word) && /No soundtrack/.test(h.word), `plain reasons on the badge: ${h.word}`);
    }
    summary.grid[m.name] = `${h.form}: ${h.text}`;
  }
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
    assert.match(serverText, /Synthetic speech/, serverText);
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

  // Server down: the badge says exactly how to start it (and so does the popup in Chromium).
  await call(page, 'setServer', env.DOWN_URL);
  await page.bringToFront();
  await call(page, 'dispatch', [byName.photo], tab);
  await page.waitForFunction((src) => [...document.querySelectorAll('[data-fakescope-badge]')]
    .some((h) => h.getAttribute('data-fakescope-src') === src && h.getAttribute('data-fakescope-state') === 'error'), { timeout: 20000 }, byName.photo.srcUrl);
  const down = hostFor(await hostInfo(page), byName.photo);
  assert.equal(down.error, 'server_unreachable');
  assert.match(down.text, /FakeScope server not running — start it with: fakescope serve/);
  const downStatus = await call(page, 'status');
  assert.equal(downStatus.reachable, false);
  if (BROWSER === 'chromium') {
    const popup = await openPage(browser, `chrome-extension://${extId}/popup/popup.html`);
    await popup.waitForSelector('#server .down', { timeout: 10000 });
    assert.equal(await popup.$eval('#server code', (e) => e.textContent), 'fakescope serve');
    await popup.close();
  }
  await shot(page, 'server-down');
  summary.ok = true;
} finally {
  console.log(`E2E_RESULT ${JSON.stringify(summary)}`);
  await browser.close().catch(() => {});
  rmSync(extDir, { recursive: true, force: true });
}
