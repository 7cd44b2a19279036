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

  // Layouts each badge form may take, widest first: a form keeps its words and score whenever the
  // browser's fonts allow, and never shows them cut short.
  //  compact: "line" (icon, word, score in one row); "stack" (the score under the word, beside the icon:
  //    a 96 px image has room for "? Unsure" over "28%" but not for both in one row); "short" (icon and
  //    score; the word stays in the tooltip and the aria-label).
  //  mini: "line"; "tight" (thinner border and padding, smaller score: "? 100%" on a 48 px thumbnail).
  const FITS = Object.freeze({ full: ['line'], compact: ['line', 'stack', 'short'], mini: ['line', 'tight'] });

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
    if (isError) return Math.max(220, Math.min(320, inside));
    // Mini badges may use all but 1 px on each side: "? 100%" must fit a 48 px thumbnail (tight layout).
    if (badgeForm(targetWidth) === 'mini') return Math.max(24, Math.floor(targetWidth - 2));
    return Math.min(280, inside);
  }

  /**
   * Places to try for elements that are all controls (an <audio> bar): beside it on the right, then
   * above, then below. The content script takes the first one that covers nothing but the page
   * background (document.elementsFromPoint), so it never hides a neighbour's caption or controls.
   */
  function outsideCandidates(target, viewport, badge) {
    const gap = 4;
    const list = [
      { left: target.left + target.width + gap, top: target.top + (target.height - badge.height) / 2 },
      { left: target.left, top: target.top - badge.height - gap },
      { left: target.left, top: target.top + target.height + gap },
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
   * visible; below or above when neither side has room; always inside the viewport, with a max height
   * that keeps its own scroll bar on screen.
   * @returns {{left:number, top:number, maxHeight:number, side:string}}
   */
  function panelPosition(target, viewport, panel) {
    const gap = 8;
    const margin = 8;
    const maxHeight = Math.max(120, viewport.height - 2 * margin);
    const height = Math.min(panel.height, maxHeight);
    const clampTop = (t) => clamp(t, margin, Math.max(margin, viewport.height - height - margin));
    const visTop = Math.max(target.top, margin);
    if (target.left + target.width + gap + panel.width + margin <= viewport.width) {
      return { left: Math.round(target.left + target.width + gap), top: Math.round(clampTop(visTop)), maxHeight, side: 'right' };
    }
    if (target.left - gap - panel.width >= margin) {
      return { left: Math.round(target.left - gap - panel.width), top: Math.round(clampTop(visTop)), maxHeight, side: 'left' };
    }
    const left = Math.round(clamp(target.left, margin, Math.max(margin, viewport.width - panel.width - margin)));
    const below = target.top + target.height + gap;
    if (below + height + margin <= viewport.height) return { left, top: Math.round(below), maxHeight, side: 'below' };
    const above = target.top - gap - height;
    if (above >= margin) return { left, top: Math.round(above), maxHeight, side: 'above' };
    // No free side (the media fills the screen): the right edge of the viewport, over the media.
    return { left: Math.round(Math.max(margin, viewport.width - panel.width - margin)), top: Math.round(clampTop(margin)), maxHeight, side: 'over' };
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
