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
    // Elements about as short as the badge (an <audio> bar is all controls) get it just above them.
    if (target.height < badge.height * 2 && visTop - badge.height - 2 >= 0) {
      top = visTop - badge.height - 2;
      left = visLeft;
    }
    left = clamp(left, 0, Math.max(0, viewport.width - badge.width));
    top = clamp(top, 0, Math.max(0, viewport.height - badge.height));
    return { left: Math.round(left), top: Math.round(top), visible };
  }

  /**
   * Badge width cap: within the element (so neighbouring badges never overlap), one line with an
   * ellipsis (the full text is in the tooltip, the aria-label and the panel). Errors keep a wider
   * minimum and wrap, because their text says what to do.
   */
  function badgeMaxWidth(targetWidth, isError) {
    const inside = Math.floor(targetWidth - 2 * INSET);
    return Math.max(isError ? 220 : 110, Math.min(isError ? 320 : 280, inside));
  }

  /** The details panel: below the badge when it fits, else above, else pinned to the viewport top. */
  function panelPosition(anchor, viewport, panel) {
    const gap = 4;
    let top = anchor.top + anchor.height + gap;
    if (top + panel.height > viewport.height) {
      const above = anchor.top - gap - panel.height;
      top = above >= 0 ? above : Math.max(0, viewport.height - panel.height);
    }
    const left = clamp(anchor.left, 0, Math.max(0, viewport.width - panel.width));
    return { left: Math.round(left), top: Math.round(top) };
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

  root.FakeScopePlacement = Object.freeze({ badgePosition, badgeMaxWidth, panelPosition, contentRect, scaleBox, worthScanning, INSET });
})(globalThis);
