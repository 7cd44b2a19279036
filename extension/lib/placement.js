/**
 * Badge placement maths (pure). A classic script, not an ES module, because content scripts injected
 * with chrome.scripting.executeScript cannot be modules: it defines globalThis.FakeScopePlacement, and
 * the unit tests evaluate this same file in a vm context.
 */
(function definePlacement(root) {
  'use strict';

  const INSET = 6; // px between the element's top-left corner and the badge

  /**
   * Where the badge goes, in viewport (position: fixed) coordinates: the top-left corner INSIDE the
   * element's box, so it never covers video controls (which sit along the bottom). When the element
   * is partly scrolled away the badge slides to stay on the element's visible part.
   * @returns {{left:number, top:number, visible:boolean}}
   */
  function badgePosition(target, viewport, badge) {
    const visLeft = Math.max(target.left, 0);
    const visTop = Math.max(target.top, 0);
    const visRight = Math.min(target.left + target.width, viewport.width);
    const visBottom = Math.min(target.top + target.height, viewport.height);
    const visible = target.width > 0 && target.height > 0 && visRight > visLeft && visBottom > visTop;
    let left = visLeft + INSET;
    let top = visTop + INSET;
    // Keep the badge inside the element's visible part when there is room; small elements get it at
    // their corner even if it overflows them (a badge over a tiny icon beats no badge).
    if (left + badge.width > visRight) left = Math.max(visLeft, visRight - badge.width);
    if (top + badge.height > visBottom) top = Math.max(visTop, visBottom - badge.height);
    // Audio bars and strips lower than the badge: the content script picks a free spot outside
    // (outsideCandidates), because only the page can tell what a spot would cover.
    left = clamp(left, 0, Math.max(0, viewport.width - badge.width));
    top = clamp(top, 0, Math.max(0, viewport.height - badge.height));
    return { left: Math.round(left), top: Math.round(top), visible };
  }

  /**
   * Which badge fits the element: "full" (icon, words, score, close button) from 240 px wide, "compact"
   * (icon, short word, score) from 96 px, "mini" (icon and score; the word is in the tooltip and the
   * aria-label) below. The badge always stays inside its own element's width, so neighbours in a dense
   * grid never overlap each other's badges or close buttons.
   */
  function badgeForm(targetWidth) {
    if (targetWidth >= 240) return 'full';
    if (targetWidth >= 96) return 'compact';
    return 'mini';
  }

  // Layouts each badge form may take, widest first: a form keeps its label whenever the browser's fonts
  // allow, and never shows it cut short.
  //  compact: "line" (icon and label in one row); "stack" (the label on two lines beside the icon:
  //    "Likely" over "manipulated" on a 128 px image); "short" (the icon alone; the label stays in the
  //    tooltip and the aria-label).
  //  mini: the icon alone ("line"), "tight" when even that is too wide.
  //  full: "line"; "stack" ("AI tag" under the label, which "Likely manipulated · AI tag" on a 256 px
  //    image needs: in one row the label was cut to "Likely manipul…").
  const FITS = Object.freeze({ full: ['line', 'stack'], compact: ['line', 'stack', 'short'], mini: ['line', 'tight'] });

  /** The layouts to measure for a form, in order of preference. */
  function badgeFits(form) {
    return FITS[form] || FITS.full;
  }

  /**
   * The first layout of `form` whose measured natural width fits `maxWidth`, else its narrowest one.
   * @param {Object<string, number>} widths natural width (px) per layout name, as measured by the content script
   * @returns {string}
   */
  function badgeFit(form, widths, maxWidth) {
    const order = badgeFits(form);
    return order.find((f) => Number.isFinite(widths[f]) && widths[f] <= maxWidth) || order[order.length - 1];
  }

  /**
   * Badge width cap: within the element (so neighbouring badges never overlap). Errors keep a wider
   * minimum and wrap, because their text says what to do.
   */
  function badgeMaxWidth(targetWidth, isError) {
    const inside = Math.floor(targetWidth - 2 * INSET);
    // Errors wrap onto more lines rather than spread over the neighbours.
    if (isError) return Math.max(140, Math.min(320, inside));
    // Mini badges may use all but 1 px on each side: "? 100%" must fit a 48 px thumbnail (tight layout).
    if (badgeForm(targetWidth) === 'mini') return Math.max(24, Math.floor(targetWidth - 2));
    return Math.min(280, inside);
  }

  /**
   * Places to try for elements that are all controls (an <audio> bar): above it at its left edge, then
   * below it, then beside it on the right. The content script takes the first one that covers nothing but
   * the page background (document.elementsFromPoint), so it never hides a neighbour's caption or
   * controls; above-left first, so that audio badges sit in the same place on page after page (a caption
   * usually follows an audio bar, below it or on its right).
   */
  function outsideCandidates(target, viewport, badge) {
    const gap = 3;
    const list = [
      { left: target.left, top: target.top - badge.height - gap },
      { left: target.left, top: target.top + target.height + gap },
      { left: target.left + target.width + gap, top: target.top + (target.height - badge.height) / 2 },
    ];
    return list
      .filter((c) => c.left >= 0 && c.top >= 0 && c.left + badge.width <= viewport.width && c.top + badge.height <= viewport.height)
      .map((c) => ({ left: Math.round(c.left), top: Math.round(c.top) }));
  }

  /**
   * Corners inside the element, in order of preference: top-left (the usual place), then top-right,
   * bottom-left, bottom-right; a video's bottom is its controls, so it only gets the top corners. The
   * content script skips corners where the page has its own controls (a gallery's close button).
   */
  function insideCandidates(target, viewport, badge, isVideo = false) {
    const first = badgePosition(target, viewport, badge);
    const visLeft = Math.max(target.left, 0);
    const visTop = Math.max(target.top, 0);
    const right = Math.max(visLeft, Math.min(target.left + target.width, viewport.width) - INSET - badge.width);
    const bottom = Math.max(visTop, Math.min(target.top + target.height, viewport.height) - INSET - badge.height);
    const list = [first, { left: right, top: first.top }];
    if (!isVideo) list.push({ left: first.left, top: bottom }, { left: right, top: bottom });
    return list.map((c) => ({ left: Math.round(c.left), top: Math.round(c.top), visible: first.visible }));
  }

  /**
   * True when the badge must go outside the element: an <audio> bar is all controls, and a strip no
   * taller than the badge has no room. A 48 px thumbnail keeps its badge inside.
   */
  function needsOutside(target, badge, isAudio = false) {
    return isAudio || target.height < badge.height + 4;
  }

  /**
   * The details panel goes BESIDE the media (right, else left), so the face boxes it explains stay
   * visible; below or above (shorter, with its own scroll bar) when that covers less. Every place is
   * scored by what it would cover: its own media and any badge (own or other) count heavily, other media
   * by the area covered, and a panel cut shorter than its content by the height lost. Always inside the
   * viewport. `obstacles`: [{left, top, right, bottom, weight: 'badge' | 'media'}] from the content script.
   * @returns {{left:number, top:number, maxHeight:number, side:string}}
   */
  function panelPosition(target, viewport, panel, obstacles = []) {
    const gap = 8;
    const margin = 8;
    const minHeight = 160;
    const fullMax = Math.max(120, viewport.height - 2 * margin);
    const want = Math.min(panel.height, fullMax);
    const width = panel.width;
    const vw = viewport.width;
    const vh = viewport.height;
    const topFor = (t, h) => clamp(t, margin, Math.max(margin, vh - h - margin));
    const cands = [];
    for (const [side, left] of [['right', target.left + target.width + gap], ['left', target.left - gap - width]]) {
      if (left < margin || left + width > vw - margin) continue;
      // Level with the media first; slid down or up when that covers less.
      for (const t of [Math.max(target.top, margin), vh, 0]) cands.push({ side, left, top: topFor(t, want), height: want, maxHeight: fullMax });
    }
    // Below or above: aligned with the media's left edge, else with its right edge.
    const lefts = [target.left, target.left + target.width - width].map((l) => clamp(l, margin, Math.max(margin, vw - width - margin)));
    const belowTop = target.top + target.height + gap;
    const belowRoom = vh - margin - belowTop;
    const aboveRoom = target.top - gap - margin;
    for (const left of lefts) {
      if (belowRoom >= Math.min(minHeight, want)) cands.push({ side: 'below', left, top: belowTop, height: Math.min(want, belowRoom), maxHeight: belowRoom });
    }
    for (const left of lefts) {
      if (aboveRoom >= Math.min(minHeight, want)) {
        const h = Math.min(want, aboveRoom);
        cands.push({ side: 'above', left, top: target.top - gap - h, height: h, maxHeight: aboveRoom });
      }
    }
    // No free side (the media fills the screen): the right edge of the viewport, over the media.
    cands.push({ side: 'over', left: Math.max(margin, vw - width - margin), top: topFor(margin, want), height: want, maxHeight: fullMax });
    const tgt = { left: target.left, top: target.top, right: target.left + target.width, bottom: target.top + target.height };
    let best = null;
    cands.forEach((c, i) => {
      const box = { left: c.left, top: c.top, right: c.left + width, bottom: c.top + c.height };
      let cost = overlap(box, tgt) * 100 + (want - c.height) * width * 0.5 + i; // i: earlier places win ties
      for (const o of obstacles) cost += overlap(box, o) * (o.weight === 'badge' ? 100 : 1);
      if (!best || cost < best.cost) best = { ...c, cost };
    });
    return { left: Math.round(best.left), top: Math.round(best.top), maxHeight: Math.round(best.maxHeight), side: best.side };
  }

  /** Area shared by two {left, top, right, bottom} rectangles. */
  function overlap(a, b) {
    return Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left)) * Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
  }

  /** The sampled frame nearest to `currentTime`, for face boxes on a playing or paused video. */
  function frameAt(timeline, currentTime) {
    let best = null;
    for (const f of timeline || []) {
      if (!best || Math.abs(f.t - currentTime) < Math.abs(best.t - currentTime)) best = f;
    }
    return best;
  }

  /** Tick positions for a time axis of `duration` seconds: 1/2/5 x 10^n steps, about five ticks. */
  function timeTicks(duration) {
    const d = Math.max(0, Number(duration) || 0);
    if (!d) return [0];
    const raw = d / 5;
    const pow = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) || raw;
    const out = [];
    for (let t = 0; t <= d + 1e-9; t += step) out.push(Math.round(t * 1000) / 1000);
    return out;
  }

  /**
   * Where the media's pixels are drawn inside the element's CSS box, honouring object-fit
   * (images and videos are letterboxed by "contain", the default for <video>).
   * @returns {{x:number, y:number, width:number, height:number}} content rect, element-local CSS px
   */
  function contentRect(media, box, objectFit) {
    const fit = objectFit || 'fill';
    if (!media.width || !media.height || fit === 'fill') return { x: 0, y: 0, width: box.width, height: box.height };
    let scale;
    if (fit === 'contain') scale = Math.min(box.width / media.width, box.height / media.height);
    else if (fit === 'cover') scale = Math.max(box.width / media.width, box.height / media.height);
    else if (fit === 'none') scale = 1;
    else scale = Math.min(1, Math.min(box.width / media.width, box.height / media.height)); // scale-down
    const width = media.width * scale;
    const height = media.height * scale;
    return { x: (box.width - width) / 2, y: (box.height - height) / 2, width, height };
  }

  /**
   * A face box [x, y, w, h] in media pixels -> element-local CSS px, clipped to the element box.
   * Returns null when the box falls outside what is displayed (e.g. cropped away by object-fit: cover).
   */
  function scaleBox(faceBox, media, box, objectFit) {
    const c = contentRect(media, box, objectFit);
    const sx = c.width / (media.width || box.width || 1);
    const sy = c.height / (media.height || box.height || 1);
    const x0 = clamp(c.x + faceBox[0] * sx, 0, box.width);
    const y0 = clamp(c.y + faceBox[1] * sy, 0, box.height);
    const x1 = clamp(c.x + (faceBox[0] + faceBox[2]) * sx, 0, box.width);
    const y1 = clamp(c.y + (faceBox[1] + faceBox[3]) * sy, 0, box.height);
    if (x1 - x0 < 1 || y1 - y0 < 1) return null;
    return { left: round2(x0), top: round2(y0), width: round2(x1 - x0), height: round2(y1 - y0) };
  }

  /** Auto-scan filter: is an image big enough and at least partly in view? */
  function worthScanning(rect, viewport, minSize) {
    if (rect.width < minSize || rect.height < minSize) return false;
    return rect.left < viewport.width && rect.top < viewport.height && rect.left + rect.width > 0 && rect.top + rect.height > 0;
  }

  function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }
  function round2(v) { return Math.round(v * 100) / 100; }

  root.FakeScopePlacement = Object.freeze({
    badgePosition, badgeForm, badgeFits, badgeFit, badgeMaxWidth, insideCandidates, outsideCandidates, needsOutside, panelPosition, frameAt, timeTicks, contentRect,
    scaleBox, worthScanning, INSET,
  });
})(globalThis);
