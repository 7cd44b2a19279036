import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

// placement.js is a classic script (content scripts cannot be modules): run the very same file in a vm.
const sandbox = { globalThis: {} };
sandbox.globalThis = sandbox;
vm.runInNewContext(readFileSync(new URL('../lib/placement.js', import.meta.url), 'utf8'), sandbox);
// Objects made in the vm realm have its Object.prototype: copy them into ours before deepEqual.
const plain = (fn) => (...args) => JSON.parse(JSON.stringify(fn(...args)) ?? 'null');
const V = sandbox.FakeScopePlacement;
const P = { ...Object.fromEntries(Object.entries(V).map(([k, v]) => [k, typeof v === 'function' ? plain(v) : v])) };
const vp = { width: 1000, height: 800 };
const badge = { width: 120, height: 26 };

test('badge sits at the top-left corner inside the element (clear of video controls at the bottom)', () => {
  const pos = P.badgePosition({ left: 100, top: 200, width: 640, height: 360 }, vp, badge);
  assert.deepEqual(pos, { left: 100 + P.INSET, top: 200 + P.INSET, visible: true });
  // Controls occupy roughly the bottom 40px of a <video>: the badge must end well above them.
  assert.ok(pos.top + badge.height < 200 + 360 - 40);
});

test('badge follows an element scrolled partly out of view and hides when it is gone', () => {
  const partly = P.badgePosition({ left: 100, top: -150, width: 640, height: 360 }, vp, badge);
  assert.equal(partly.top, P.INSET);
  assert.equal(partly.visible, true);
  assert.equal(P.badgePosition({ left: 100, top: -400, width: 640, height: 360 }, vp, badge).visible, false);
  assert.equal(P.badgePosition({ left: 1200, top: 10, width: 50, height: 50 }, vp, badge).visible, false);
  assert.equal(P.badgePosition({ left: 10, top: 10, width: 0, height: 0 }, vp, badge).visible, false);
});

test('badge stays inside the viewport and inside small elements when possible', () => {
  const edge = P.badgePosition({ left: 950, top: 780, width: 300, height: 300 }, vp, badge);
  assert.ok(edge.left + badge.width <= vp.width && edge.top + badge.height <= vp.height);
  const small = P.badgePosition({ left: 10, top: 10, width: 60, height: 40 }, vp, badge);
  assert.deepEqual([small.left, small.top], [10, 16]);
});

test('a short element (an <audio> bar is all controls) gets the badge just above it', () => {
  const audio = P.badgePosition({ left: 50, top: 300, width: 300, height: 40 }, vp, badge);
  assert.deepEqual([audio.left, audio.top], [50, 300 - badge.height - 2]);
  // at the very top of the viewport there is no room above: it goes inside instead
  assert.equal(P.badgePosition({ left: 50, top: 0, width: 300, height: 40 }, vp, badge).top, P.INSET);
});

test('panel opens below the badge, or above when there is no room', () => {
  assert.deepEqual(P.panelPosition({ left: 10, top: 10, width: 100, height: 26 }, vp, { width: 340, height: 300 }), { left: 10, top: 40 });
  assert.deepEqual(P.panelPosition({ left: 900, top: 700, width: 100, height: 26 }, vp, { width: 340, height: 300 }), { left: 660, top: 396 });
});

test('face boxes scale from media pixels to the displayed box (fill, contain, cover)', () => {
  const media = { width: 400, height: 200 };
  assert.deepEqual(P.scaleBox([100, 50, 100, 100], media, { width: 200, height: 100 }, 'fill'), { left: 50, top: 25, width: 50, height: 50 });
  // contain in a square box: letterboxed, 0.5 scale, 50px bars at top and bottom
  assert.deepEqual(P.scaleBox([0, 0, 400, 200], media, { width: 200, height: 200 }, 'contain'), { left: 0, top: 50, width: 200, height: 100 });
  // cover in a square box: scale 1, 100px cropped at each side; a face in the cropped part is dropped
  assert.equal(P.scaleBox([0, 0, 50, 50], media, { width: 200, height: 200 }, 'cover'), null);
  assert.deepEqual(P.scaleBox([150, 50, 100, 100], media, { width: 200, height: 200 }, 'cover'), { left: 50, top: 50, width: 100, height: 100 });
});

test('auto-scan takes only big enough images in view', () => {
  assert.equal(P.worthScanning({ left: 0, top: 0, width: 200, height: 200 }, vp, 160), true);
  assert.equal(P.worthScanning({ left: 0, top: 0, width: 200, height: 100 }, vp, 160), false);
  assert.equal(P.worthScanning({ left: 0, top: 900, width: 200, height: 200 }, vp, 160), false);
});

test('badge width stays within its element, with readable minimums', () => {
  assert.equal(P.badgeMaxWidth(200, false), 188);
  assert.equal(P.badgeMaxWidth(1000, false), 280);
  assert.equal(P.badgeMaxWidth(60, false), 110);
  assert.equal(P.badgeMaxWidth(60, true), 220);
});
