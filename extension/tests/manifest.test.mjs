import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', root), 'utf8'));
const read = (p) => readFileSync(new URL(p, root), 'utf8');

test('permissions stay minimal: loopback server only, anything broader optional', () => {
  assert.equal(manifest.manifest_version, 3);
  assert.deepEqual([...manifest.permissions].sort(), ['activeTab', 'contextMenus', 'scripting', 'storage']);
  assert.deepEqual(manifest.host_permissions, ['http://127.0.0.1/*', 'http://localhost/*']);
  assert.deepEqual(manifest.optional_host_permissions, ['<all_urls>']);
  assert.equal(manifest.content_scripts, undefined, 'badges are injected on demand, not on every page');
});

test('one manifest for Chrome and Firefox', () => {
  assert.equal(manifest.background.service_worker, 'background/main.js');
  assert.deepEqual(manifest.background.scripts, ['background/main.js']);
  assert.equal(manifest.background.type, 'module');
  assert.match(manifest.browser_specific_settings.gecko.id, /@/);
});

test('every file the manifest and the background reference exists', () => {
  const files = [manifest.background.service_worker, manifest.action.default_popup, manifest.options_ui.page,
    ...Object.values(manifest.icons), ...Object.values(manifest.action.default_icon)];
  const injected = /CONTENT_FILES = \[([^\]]+)\]/.exec(read('background/page.js'))[1].match(/'([^']+)'/g).map((s) => s.slice(1, -1));
  assert.ok(injected.at(-1) === 'content/badge.js' && injected[0] === 'lib/placement.js');
  for (const f of [...files, ...injected]) assert.ok(existsSync(new URL(f, root)), f);
});

test('context menu ids are the documented ones', () => {
  const main = read('background/main.js');
  assert.match(main, /MENU_CHECK = 'fakescope-check'/);
  assert.match(main, /MENU_SCAN = 'fakescope-scan-page'/);
  assert.match(main, /contexts: \['image', 'video', 'audio'\]/);
});

test('the content script never talks to the server', () => {
  for (const f of readdirSync(new URL('content/', root))) {
    const src = read(`content/${f}`);
    assert.doesNotMatch(src, /\/api\/v1|XMLHttpRequest|serverUrl/, f);
    // Its only fetch reads a page-owned blob: URL (which the background cannot read).
    for (const m of src.matchAll(/fetch\(([^)]*)\)/g)) assert.equal(m[1], 'srcUrl', f);
  }
});

test('badges live in a shadow root that automation can read (page CSS still cannot reach in)', () => {
  assert.match(read('content/badge.js'), /attachShadow\(\{ mode: 'open' \}\)/);
});
