import test from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULTS, normaliseServerUrl, parseSites, pickForScan, pruneCache, siteListed, sitePatterns, withDefaults } from '../lib/settings.js';

test('server URL must be local http', () => {
  assert.equal(normaliseServerUrl(' http://127.0.0.1:9000/ '), 'http://127.0.0.1:9000');
  assert.equal(normaliseServerUrl('http://localhost:8765/api'), 'http://localhost:8765');
  assert.throws(() => normaliseServerUrl('https://127.0.0.1:8765'), /http:\/\//);
  assert.throws(() => normaliseServerUrl('http://evil.example:8765'), /this computer/);
  assert.throws(() => normaliseServerUrl('not a url'), /look like/);
});

test('stored junk falls back to defaults', () => {
  assert.deepEqual(withDefaults({}), { ...DEFAULTS });
  const s = withDefaults({ serverUrl: 'http://evil.example', autoScanMinSize: 5, sendBytes: 'yes', autoScanSites: ['News.Example', 'https://b.example/x'] });
  assert.equal(s.serverUrl, DEFAULTS.serverUrl);
  assert.equal(s.autoScanMinSize, DEFAULTS.autoScanMinSize);
  assert.equal(s.sendBytes, false);
  assert.deepEqual(s.autoScanSites, ['news.example', 'b.example']);
});

test('sites: parsing, matching subdomains, permission patterns', () => {
  assert.deepEqual(parseSites('a.example\n a.example, https://www.b.example/path  \n\n'), ['a.example', 'www.b.example']);
  assert.equal(siteListed('https://www.a.example/x', ['a.example']), true);
  assert.equal(siteListed('https://nota.example/x', ['a.example']), false);
  assert.equal(siteListed('garbage', ['a.example']), false);
  assert.deepEqual(sitePatterns(['a.example']), ['https://a.example/*', 'http://a.example/*', 'https://*.a.example/*']);
});

test('scan picks unique, not yet checked, fetchable images, bounded per batch', () => {
  const cands = [{ src: 'https://x/1.jpg' }, { src: 'https://x/1.jpg' }, { src: 'https://x/2.jpg' }, { src: 'blob:https://x/3' }, { src: 'https://x/4.jpg' }, { src: '' }];
  assert.deepEqual(pickForScan(cands, { 'https://x/2.jpg': 'c2' }).map((c) => c.src), ['https://x/1.jpg', 'https://x/4.jpg']);
  assert.equal(pickForScan(cands, {}, 1).length, 1);
});

test('URL cache stays bounded, keeping the newest entries', () => {
  const cache = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`u${i}`, `c${i}`]));
  assert.deepEqual(Object.keys(pruneCache(cache, 3)), ['u7', 'u8', 'u9']);
  assert.equal(pruneCache(cache, 50), cache);
});
