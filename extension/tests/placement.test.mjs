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

test('inside placement never moves the badge off the element; outside spots are the content script\'s choice', () => {
  // A 40 px bar: badgePosition keeps the badge on it (inside fallback); outsideCandidates offer above, below, right.
  const bar = { left: 50, top: 300, width: 300, height: 40 };
  const pos = P.badgePosition(bar, vp, badge);
  assert.ok(pos.top >= 300 && pos.left >= 50, JSON.stringify(pos));
  assert.deepEqual(P.outsideCandidates(bar, vp, badge).map((c) => [c.left, c.top]), [[50, 271], [50, 343], [353, 307]]);
  // at the very top of the viewport there is no room above: that spot is not offered
  assert.equal(P.outsideCandidates({ left: 50, top: 0, width: 300, height: 40 }, vp, badge).length, 2);
});

test('panel opens BESIDE the media (right, else left), never over it, and inside the viewport', () => {
  const panel = { width: 360, height: 300 };
  const right = P.panelPosition({ left: 10, top: 100, width: 256, height: 256 }, vp, panel);
  assert.deepEqual(right, { left: 274, top: 100, maxHeight: 784, side: 'right' });
  const left = P.panelPosition({ left: 600, top: 100, width: 380, height: 256 }, vp, panel);
  assert.equal(left.side, 'left');
  assert.ok(left.left + panel.width <= 600, 'left of the media, not over it');
  // A tall panel next to media near the bottom: pulled up so it ends inside the viewport.
  const low = P.panelPosition({ left: 10, top: 700, width: 200, height: 90 }, vp, { width: 360, height: 500 });
  assert.ok(low.top + 500 <= vp.height - 8 && low.top >= 8, JSON.stringify(low));
  // Taller than the viewport: capped, with its own scroll bar.
  assert.equal(P.panelPosition({ left: 10, top: 10, width: 200, height: 90 }, vp, { width: 360, height: 2000 }).maxHeight, 784);
  // Full-width media: below when there is room, else pinned to the right edge.
  assert.equal(P.panelPosition({ left: 0, top: 0, width: 1000, height: 300 }, vp, panel).side, 'below');
  const over = P.panelPosition({ left: 0, top: 0, width: 1000, height: 800 }, vp, panel);
  assert.equal(over.side, 'over');
  assert.ok(over.left + panel.width <= vp.width);
});

test('panel: never over a badge, and over as little of the other media as it can', () => {
  const panel = { width: 360, height: 300 };
  const media = { left: 10, top: 100, width: 256, height: 256 };
  // Another medium right beside this one: the panel slides down along the right side instead of covering it.
  const neighbour = { left: 280, top: 100, right: 536, bottom: 356, weight: 'media' };
  const p1 = P.panelPosition(media, vp, panel, [neighbour]);
  const box = { left: p1.left, top: p1.top, right: p1.left + 360, bottom: p1.top + 300 };
  const overlapArea = (a, b) => Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left)) * Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
  assert.ok(overlapArea(box, neighbour) < 256 * 256 / 4, JSON.stringify(p1));
  // A badge where the panel would go: any other place that covers no badge wins.
  const badgeThere = { left: 300, top: 100, right: 400, bottom: 130, weight: 'badge' };
  const p2 = P.panelPosition(media, vp, panel, [badgeThere]);
  assert.equal(overlapArea({ left: p2.left, top: p2.top, right: p2.left + 360, bottom: p2.top + 300 }, badgeThere), 0, JSON.stringify(p2));
  // Its own media is never covered while another side is free.
  const own = { left: media.left, top: media.top, right: 266, bottom: 356 };
  assert.equal(overlapArea({ left: p2.left, top: p2.top, right: p2.left + 360, bottom: p2.top + 300 }, own), 0);
});

test('badge form: full from 240 px, compact from 96 px, mini below; audio bars get a spot beside them', () => {
  assert.deepEqual([600, 240, 239, 96, 95, 48].map(P.badgeForm), ['full', 'full', 'compact', 'compact', 'mini', 'mini']);
  assert.equal(P.needsOutside({ left: 0, top: 0, width: 300, height: 54 }, badge, true), true, 'audio: all controls');
  assert.equal(P.needsOutside({ left: 0, top: 0, width: 300, height: 20 }, badge), true, 'a strip lower than the badge');
  assert.equal(P.needsOutside({ left: 0, top: 0, width: 48, height: 48 }, badge), false, 'a 48 px thumbnail keeps it inside');
  const spots = P.outsideCandidates({ left: 100, top: 300, width: 300, height: 40 }, vp, badge);
  assert.deepEqual(spots[0], { left: 100, top: 271 }, 'first choice: above the bar at its left edge (the same on every page)');
  assert.ok(spots.every((s) => s.left + badge.width <= vp.width && s.top >= 0));
  assert.ok(!P.outsideCandidates({ left: 900, top: 0, width: 100, height: 40 }, vp, badge).some((s) => s.left > 900), 'no spot off screen');
});

test('video face boxes: the sampled frame nearest to the time shown', () => {
  const tl = [{ t: 0, faces: [1] }, { t: 1, faces: [2] }, { t: 2, faces: [] }];
  assert.equal(P.frameAt(tl, 0.4).t, 0);
  assert.equal(P.frameAt(tl, 0.6).t, 1);
  assert.equal(P.frameAt(tl, 9).t, 2);
  assert.equal(P.frameAt([], 1), null);
});

test('time axis ticks: round steps, about five, covering the duration', () => {
  assert.deepEqual(P.timeTicks(3), [0, 1, 2, 3]);
  assert.deepEqual(P.timeTicks(12.5), [0, 5, 10]);
  assert.deepEqual(P.timeTicks(61), [0, 20, 40, 60]);
  assert.deepEqual(P.timeTicks(0), [0]);
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
  assert.equal(P.badgeMaxWidth(60, false), 58, 'mini: all but 1 px each side');
  assert.equal(P.badgeMaxWidth(48, false), 46);
  assert.equal(P.badgeMaxWidth(60, true), 140, 'errors wrap rather than spread over the neighbours');
  assert.equal(P.badgeMaxWidth(400, true), 320);
});

test('badge layout: the first that fits its width cap, never a word or score cut short', () => {
  assert.deepEqual(P.badgeFits('compact'), ['line', 'stack', 'short']);
  assert.deepEqual(P.badgeFits('mini'), ['line', 'tight']);
  assert.deepEqual(P.badgeFits('full'), ['line', 'stack']);
  // A 96 px image (84 px cap): a label too long for one row goes on two rows when those fit.
  const cap96 = P.badgeMaxWidth(96, false);
  assert.equal(P.badgeFit('compact', { line: 119.4, stack: 80 }, cap96), 'stack');
  // Wide enough for one row (a 180 px image), or a short word that fits: one row.
  assert.equal(P.badgeFit('compact', { line: 119.4 }, P.badgeMaxWidth(180, false)), 'line');
  assert.equal(P.badgeFit('compact', { line: 84 }, cap96), 'line', 'exactly the cap fits');
  // Too narrow even stacked (a long word): icon and score only, the word stays in the tooltip.
  assert.equal(P.badgeFit('compact', { line: 140, stack: 90, short: 68 }, cap96), 'short');
  assert.equal(P.badgeFit('compact', { line: 140, stack: 90 }, cap96), 'short', 'the narrowest as the last resort');
  // Mini: "? 28%" (51 px) on a 48 px thumbnail (46 px cap) gets the tight layout.
  assert.equal(P.badgeFit('mini', { line: 50.7, tight: 39.3 }, P.badgeMaxWidth(48, false)), 'tight');
  assert.equal(P.badgeFit('mini', { line: 37.2 }, P.badgeMaxWidth(48, false)), 'line');
  assert.equal(P.badgeFit('full', { line: 260, stack: 190 }, 244), 'stack', '"AI tag" under the label, never the label cut');
  assert.equal(P.badgeFit('full', { line: 200 }, 244), 'line');
});
