/**
 * Content script: draws badges ONLY (no server calls: those come from the background). Each badge is a
 * host element in the page with a shadow root, positioned over the media element's top-left corner (or
 * beside an <audio> bar, which is all controls) and kept there through scroll, resize, lazy-loading and
 * layout changes; it disappears with the element. The host carries data-fakescope-state / -verdict /
 * -form so tests and assistive tools can read the outcome. The shadow root is open: the verdict is
 * public on the host anyway, and automation (WebDriver BiDi in Firefox) must be able to read the panel.
 * With no server at all, the page gets ONE notice (not an error badge per medium) and every badge keeps
 * the verdict it had.
 */
(function badges() {
  'use strict';
  if (globalThis.__fakescopeBadges) return; // injected again for a later check: keep the first instance
  globalThis.__fakescopeBadges = true;

  const ext = globalThis.browser ?? globalThis.chrome;
  const P = globalThis.FakeScopePlacement;
  const byKey = new Map(); // job key -> Badge[]

  function findTargets(srcUrl, mediaType) {
    const out = new Set();
    for (const node of document.querySelectorAll('img, video, audio, source')) {
      const media = node.tagName === 'SOURCE' ? node.closest('video, audio, picture') : node;
      if (!media) continue;
      const target = media.tagName === 'PICTURE' ? media.querySelector('img') : media;
      if (target && (node.src === srcUrl || node.currentSrc === srcUrl || target.currentSrc === srcUrl)) out.add(target);
    }
    if (!out.size && mediaType === 'video') {
      // MSE players report a blob: srcUrl that may have been swapped since: fall back to the page's video.
      const v = document.querySelector('video');
      if (v) out.add(v);
    }
    return [...out];
  }

  class Badge {
    constructor(target, srcUrl, mediaType) {
      this.target = target;
      this.srcUrl = srcUrl;
      this.mediaType = mediaType;
      this.view = null;
      this.lastFinal = null; // the last outcome (verdict): kept when a later check cannot reach the server
      this.host = document.createElement('div');
      this.host.setAttribute('data-fakescope-badge', '');
      this.host.setAttribute('data-fakescope-src', srcUrl.startsWith('data:') ? srcUrl.slice(0, 64) : srcUrl);
      this.host.setAttribute('data-fakescope-kind', mediaType || '');
      // Inline, !important-free but specific enough: page CSS rarely targets unknown attribute selectors.
      Object.assign(this.host.style, { position: 'fixed', zIndex: '2147483646', left: '0px', top: '0px', margin: '0', padding: '0' });
      const shadow = this.host.attachShadow({ mode: 'open' });
      const style = document.createElement('style');
      style.textContent = globalThis.FakeScopeBadgeCss;
      this.wrap = document.createElement('div');
      this.wrap.className = 'wrap';
      this.button = document.createElement('button');
      this.button.type = 'button';
      this.button.className = 'badge';
      this.button.setAttribute('aria-expanded', 'false');
      this.button.addEventListener('click', () => this.toggle());
      this.close = document.createElement('button');
      this.close.type = 'button';
      this.close.className = 'close';
      this.close.textContent = '×';
      this.close.setAttribute('aria-label', 'Dismiss FakeScope badge');
      this.close.addEventListener('click', () => this.remove());
      this.wrap.append(this.button, this.close);
      this.meter = document.createElement('div');
      this.meter.className = 'meter';
      this.panel = document.createElement('div');
      this.panel.className = 'panel';
      this.panel.setAttribute('role', 'dialog');
      this.panel.setAttribute('aria-label', 'FakeScope details');
      this.panel.hidden = true;
      this.overlay = document.createElement('div');
      this.overlay.className = 'overlay';
      this.overlay.hidden = true;
      shadow.append(style, this.overlay, this.wrap, this.meter, this.panel);
      shadow.addEventListener('keydown', (e) => { if (e.key === 'Escape') this.setOpen(false); });
      (document.body || document.documentElement).append(this.host);
      this.watch();
      this.place();
    }

    watch() {
      const schedule = () => {
        if (this.frame) return;
        this.frame = requestAnimationFrame(() => { this.frame = 0; this.place(); });
      };
      this.schedule = schedule;
      this.resizeObs = new ResizeObserver(schedule);
      this.resizeObs.observe(this.target);
      this.intersectObs = new IntersectionObserver(schedule);
      this.intersectObs.observe(this.target);
      this.target.addEventListener('load', schedule);         // lazy-loaded images change size
      this.target.addEventListener('loadedmetadata', schedule);
      // Video face boxes follow the frame shown: redraw when playback moves or the user seeks.
      this.onTime = () => { if (!this.panel.hidden) this.drawOverlay(); };
      for (const ev of ['timeupdate', 'seeked', 'seeking']) this.target.addEventListener(ev, this.onTime);
    }

    place() {
      if (!this.target.isConnected) { this.remove(); return; }
      const rect = this.target.getBoundingClientRect();
      const vp = { width: document.documentElement.clientWidth || innerWidth, height: document.documentElement.clientHeight || innerHeight };
      const isError = this.host.getAttribute('data-fakescope-state') === 'error';
      const form = P.badgeForm(rect.width);
      if (form !== this.form) { this.form = form; this.host.setAttribute('data-fakescope-form', form); if (this.view) this.draw(); }
      const maxWidth = P.badgeMaxWidth(rect.width, isError);
      this.wrap.style.maxWidth = `${maxWidth}px`;
      this.fit(maxWidth);
      const size = this.wrap.getBoundingClientRect();
      const badge = { width: size.width || 120, height: (size.height || 24) + 3 };
      let pos = P.badgePosition(rect, vp, badge);
      if (pos.visible) {
        const outside = P.needsOutside(rect, badge, this.target.tagName === 'AUDIO');
        const spots = outside ? P.outsideCandidates(rect, vp, badge) : P.insideCandidates(rect, vp, badge, this.target.tagName === 'VIDEO');
        // Probing the page (elementsFromPoint) is costly: only when the layout or the sizes changed, not per scroll frame.
        const key = `${spots.length}:${Math.round(rect.width)}x${Math.round(rect.height)}:${Math.round(badge.width)}x${Math.round(badge.height)}`;
        // While the panel is open the badge stays where the user clicked it (no jump to another corner).
        const frozen = !this.panel.hidden && spots[this.spotIndex];
        if (!frozen && (key !== this.spotKey || layoutEpoch !== this.spotEpoch || !spots[this.spotIndex])) {
          this.spotIndex = this.freeSpot(spots, badge, !outside, key === this.spotKey ? this.spotIndex : -1);
          this.spotKey = key;
          this.spotEpoch = layoutEpoch;
        }
        if (spots[this.spotIndex]) pos = { ...pos, left: spots[this.spotIndex].left, top: spots[this.spotIndex].top };
      }
      this.host.style.left = `${pos.left}px`;
      this.host.style.top = `${pos.top}px`;
      this.host.style.display = pos.visible ? 'block' : 'none';
      if (!this.panel.hidden) {
        const pr = this.panel.getBoundingClientRect();
        const pp = this.dragged
          ? { left: this.dragged.left, top: this.dragged.top, maxHeight: vp.height - 16, side: 'moved' }
          : P.panelPosition(rect, vp, { width: pr.width || 360, height: this.panel.scrollHeight || pr.height || 300 },
            this.obstacles(pos));
        // position: fixed inside the shadow root: viewport coordinates, like the host's own.
        this.panel.style.left = `${pp.left}px`;
        this.panel.style.top = `${pp.top}px`;
        this.panel.style.maxHeight = `${pp.maxHeight}px`;
        this.host.setAttribute('data-fakescope-panel-side', pp.side);
        this.drawOverlay();
      }
    }

    /**
     * What the open panel should not cover: this badge (hard), the other badges (hard) and the other media
     * in view (as little as possible). Viewport rectangles, for P.panelPosition.
     */
    obstacles(pos) {
      const own = this.wrap.getBoundingClientRect();
      const list = [{ left: pos.left, top: pos.top, right: pos.left + own.width, bottom: pos.top + own.height, weight: 'badge' }];
      for (const h of document.querySelectorAll('[data-fakescope-badge], [data-fakescope-notice]')) {
        if (h === this.host || h.style.display === 'none') continue;
        const w = h.shadowRoot && h.shadowRoot.querySelector('.wrap');
        const r = (w || h).getBoundingClientRect();
        if (r.width && r.height) list.push({ left: r.left, top: r.top, right: r.right, bottom: r.bottom, weight: 'badge' });
      }
      for (const m of document.querySelectorAll('img, video, audio')) {
        if (m === this.target) continue;
        const r = m.getBoundingClientRect();
        if (r.width > 1 && r.height > 1 && r.bottom > 0 && r.top < innerHeight) list.push({ left: r.left, top: r.top, right: r.right, bottom: r.bottom, weight: 'media' });
      }
      return list;
    }

    /**
     * Index of the candidate that covers the least: nothing but background (0) beats covering text (1) beats
     * covering controls or other media (2). Containers (a flex row, a figure stretched to its row) are
     * background; only their text and their controls count.
     */
    freeSpot(candidates, badge, onTarget, current = -1) {
      const INTERACTIVE = 'img, video, audio, canvas, iframe, svg, button, a[href], input, select, textarea, [role=button], [tabindex]';
      const ours = (n) => n === this.host || (n.hasAttribute && n.hasAttribute('data-fakescope-badge'));
      let best = null;
      for (const c of candidates) {
        const box = { left: c.left, top: c.top, right: c.left + badge.width, bottom: c.top + badge.height };
        const hit = new Set();
        for (const fx of [0.02, 0.5, 0.98]) {
          for (const fy of [0.05, 0.5, 0.95]) {
            for (const n of document.elementsFromPoint(box.left + fx * badge.width, box.top + fy * badge.height)) {
              if (!ours(n) && n !== document.body && n !== document.documentElement) hit.add(n);
            }
          }
        }
        let cost = 0;
        for (const n of hit) {
          if (n === this.target) { if (onTarget) continue; cost = 2; break; }
          // Ancestors (a link around a thumbnail, a figure) are background; only their own text counts.
          if (!n.contains(this.target) && n.matches(INTERACTIVE)) { cost = 2; break; }
          if (textIntersects(n, box)) cost = 1;
        }
        const index = candidates.indexOf(c);
        // Ties keep the current spot: a badge moves only to cover less, never back and forth.
        if (!best || cost < best.cost || (cost === best.cost && index === current)) best = { index, cost };
        if (cost === 0 && (current < 0 || index >= current)) break;
      }
      return best ? best.index : -1;
    }

    drawOverlay() {
      if (!this.view || !this.view.details) return;
      globalThis.FakeScopePanel.drawFaces(this.overlay, this.view.details, this.target);
    }

    update(view) {
      if (view.pageWide) {
        // No server: say so once for the page; this badge keeps what it showed (its verdict), or goes if
        // it never showed an outcome.
        showNotice(view.headline);
        if (this.lastFinal) view = this.lastFinal; else { this.remove(); return; }
      } else if (view.state === 'done' || view.state === 'error') {
        this.lastFinal = view;
        if (view.state === 'done') hideNotice();
      }
      this.view = view;
      const h = this.host;
      h.setAttribute('data-fakescope-state', view.state);
      if (view.checkId) h.setAttribute('data-fakescope-check', view.checkId);
      if (view.state === 'done') h.setAttribute('data-fakescope-verdict', view.verdict);
      else h.removeAttribute('data-fakescope-verdict');
      if (view.state === 'error') h.setAttribute('data-fakescope-error', view.errorCode);
      else h.removeAttribute('data-fakescope-error');
      this.draw();
      this.meter.hidden = view.state !== 'pending';
      this.meter.style.width = `${Math.round((view.progress || 0) * 100)}%`;
      if (view.state !== 'done') this.setOpen(false);
      else if (!this.panel.hidden) this.renderPanel();
      this.place();
    }

    /**
     * Lays the verdict out so that it fits `maxWidth` without cutting a word or the score short: a compact
     * badge too narrow for one row puts the score under the word (or, narrower still, drops the word to the
     * tooltip); a mini one gets tighter. Measured, because the words' widths depend on the browser's fonts;
     * only again when the form, the width cap or the texts change (not per scroll frame).
     */
    fit(maxWidth) {
      const b = this.view && this.view.state === 'done' ? this.view.badge : null;
      const key = b ? `${this.form}:${maxWidth}:${b.compact}:${b.mini}:${b.figure}` : '';
      if (key === this.fitKey) return;
      this.fitKey = key;
      const w = this.wrap;
      const all = ['full', 'compact', 'mini'].flatMap((f) => P.badgeFits(f)).map((f) => `fit-${f}`);
      w.classList.remove(...all);
      this.host.removeAttribute('data-fakescope-fit');
      if (!b) return;
      const order = P.badgeFits(this.form);
      const widths = {};
      w.style.maxWidth = 'none';
      for (const f of order) {
        w.classList.add(`fit-${f}`);
        widths[f] = w.getBoundingClientRect().width;
        w.classList.remove(`fit-${f}`);
        if (P.badgeFit(this.form, widths, maxWidth) === f) break; // the first that fits wins: measure no more
      }
      w.style.maxWidth = `${maxWidth}px`;
      const fit = P.badgeFit(this.form, widths, maxWidth);
      w.classList.add(`fit-${fit}`);
      this.host.setAttribute('data-fakescope-fit', fit);
    }

    /** Badge content for the current view and size: icon + word + score, or the progress/error text. */
    draw() {
      const view = this.view;
      const form = this.form || 'full';
      this.wrap.className = `wrap tone-${view.tone} form-${form}`;
      this.fitKey = null; // the next place() measures how the new texts fit
      const parts = [];
      const b = view.badge;
      if (view.state === 'done' && b) {
        parts.push(span('icon', b.icon, { 'aria-hidden': 'true' }));
        const word = form === 'full' ? b.full : form === 'compact' ? b.compact : '';
        const figure = form === 'mini' ? b.mini : b.figure;
        if (word) parts.push(span('word text', word));
        if (figure) parts.push(span('figure', figure));
      } else {
        parts.push(span('text', view.headline));
      }
      this.button.replaceChildren(...parts);
      // The full words and the labelled score ("27 % likely manipulated") when the badge shows less.
      const scoreText = view.state === 'done' && b && b.scoreText ? b.scoreText : '';
      this.button.title = scoreText ? `${view.headline} · ${scoreText}` : view.headline;
      const action = view.state === 'done' ? ' Press to show details.' : '';
      this.button.setAttribute('aria-label', `FakeScope: ${view.headline}${scoreText ? `, ${scoreText}` : ''}.${action}`);
      // aria-disabled, not disabled: the badge stays reachable with Tab while a check runs.
      this.button.setAttribute('aria-disabled', String(view.state !== 'done'));
      // Small badges drop the close button (it would crowd a thumbnail); the panel has "Hide badge".
      this.close.hidden = form !== 'full' && view.state === 'done';
      if (this.actionButton) this.actionButton.remove();
      this.actionButton = null;
      if (view.state === 'error' && view.action) {
        this.actionButton = document.createElement('button');
        this.actionButton.type = 'button';
        this.actionButton.className = 'act';
        this.actionButton.textContent = view.action.label;
        // Retry needs to know which medium; the background knows the tab from the sender.
        this.actionButton.addEventListener('click', () => ext.runtime.sendMessage({
          type: view.action.message, srcUrl: this.srcUrl, mediaType: this.mediaType, pageUrl: location.href,
        }));
        this.wrap.insertBefore(this.actionButton, this.close);
      }
    }

    renderPanel() {
      const report = (label) => ext.runtime.sendMessage({ type: 'fakescope:feedback', checkId: this.view.checkId, label })
        .then((ans) => { if (!ans || !ans.ok) throw (ans && ans.error && ans.error.message) || 'server error'; });
      const actions = {
        report,
        close: () => this.setOpen(false),
        hide: () => this.remove(),
        seek: (t) => { if ('currentTime' in this.target) { this.target.currentTime = t; this.drawOverlay(); } },
        openCard: (url) => ext.runtime.sendMessage({ type: 'fakescope:open-card', url }),
        startDrag: (e) => this.startDrag(e),
        relayout: () => this.place(),
      };
      globalThis.FakeScopePanel.render(this.panel, this.view, actions);
    }

    /** Drag the panel by its title bar (when it hides something the user wants to see). */
    startDrag(e) {
      if (e.button !== 0 || e.target.closest('button')) return;
      const r = this.panel.getBoundingClientRect();
      const dx = e.clientX - r.left;
      const dy = e.clientY - r.top;
      const move = (ev) => {
        this.dragged = { left: Math.max(0, ev.clientX - dx), top: Math.max(0, ev.clientY - dy) };
        this.place();
      };
      const up = () => { removeEventListener('pointermove', move, true); removeEventListener('pointerup', up, true); };
      addEventListener('pointermove', move, true);
      addEventListener('pointerup', up, true);
      e.preventDefault();
    }

    toggle() { this.setOpen(this.panel.hidden); }

    setOpen(open) {
      if (open && !(this.view && this.view.state === 'done')) return;
      if (open) this.renderPanel();
      if (!open) this.dragged = null;
      this.panel.hidden = !open;
      this.overlay.hidden = !open;
      this.button.setAttribute('aria-expanded', String(open));
      this.host.setAttribute('data-fakescope-open', String(open));
      // The open panel must sit above every other badge (they share the top z-index otherwise).
      this.host.style.zIndex = open ? '2147483647' : '2147483646';
      if (open) this.place();
    }

    remove() {
      this.resizeObs.disconnect();
      this.intersectObs.disconnect();
      this.target.removeEventListener('load', this.schedule);
      this.target.removeEventListener('loadedmetadata', this.schedule);
      for (const ev of ['timeupdate', 'seeked', 'seeking']) this.target.removeEventListener(ev, this.onTime);
      this.host.remove();
      for (const [key, list] of byKey) {
        const rest = list.filter((b) => b !== this);
        if (rest.length) byKey.set(key, rest); else byKey.delete(key);
      }
    }
  }

  /** Does any of this element's own text lie inside `box` (viewport coordinates)? */
  function textIntersects(el, box) {
    for (const c of el.childNodes) {
      if (c.nodeType !== 3 || !c.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(c);
      for (const r of range.getClientRects()) {
        if (r.left < box.right && box.left < r.right && r.top < box.bottom && box.top < r.bottom) return true;
      }
    }
    return false;
  }

  function span(cls, text, attrs = {}) {
    const n = document.createElement('span');
    n.className = cls;
    n.textContent = text;
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
    return n;
  }

  function attach(key, srcUrl, mediaType) {
    // A new check of the same media reuses its badge (which remembers the last verdict, kept if the server
    // turns out to be down); badges of elements that no longer show this media go.
    const targets = findTargets(srcUrl, mediaType);
    const old = byKey.get(key) || [];
    for (const b of old) if (!targets.includes(b.target)) b.remove();
    const badges = targets.map((t) => old.find((b) => b.target === t && b.host.isConnected) || new Badge(t, srcUrl, mediaType));
    byKey.set(key, badges);
  }

  // The one page-wide notice (no server): a small box at the top right, above the badges, dismissible.
  let notice = null;
  function showNotice(text) {
    if (!notice) {
      const host = document.createElement('div');
      host.setAttribute('data-fakescope-notice', '');
      Object.assign(host.style, { position: 'fixed', zIndex: '2147483647', top: '8px', right: '8px', margin: '0', padding: '0' });
      const shadow = host.attachShadow({ mode: 'open' });
      const style = document.createElement('style');
      style.textContent = globalThis.FakeScopeBadgeCss;
      const box = document.createElement('div');
      box.className = 'notice';
      box.setAttribute('role', 'alert');
      const p = document.createElement('p');
      const dismiss = document.createElement('button');
      dismiss.type = 'button';
      dismiss.textContent = 'Dismiss';
      dismiss.addEventListener('click', hideNotice);
      box.append(span('title', 'FakeScope'), p, dismiss);
      shadow.append(style, box);
      (document.body || document.documentElement).append(host);
      notice = { host, p };
    }
    notice.p.textContent = text;
    notice.host.setAttribute('data-fakescope-notice', text);
  }
  function hideNotice() {
    if (notice) notice.host.remove();
    notice = null;
  }

  // Bumped when the page's layout may have changed (DOM mutations, resize): badges then probe for free spots again.
  let layoutEpoch = 0;
  function placeAll() { for (const list of byKey.values()) for (const b of list) b.schedule(); }
  function relayout() { layoutEpoch += 1; placeAll(); }
  // Capture phase: scrolls of any nested container move the element too.
  addEventListener('scroll', placeAll, { capture: true, passive: true });
  addEventListener('resize', relayout, { passive: true });
  // Removal and layout shifts from DOM changes: follow or disappear with the element.
  // Records about our own hosts (their style moves every frame) are ignored, or placing would loop.
  const ours = (r) => r.target.nodeType === 1 && r.target.hasAttribute('data-fakescope-badge');
  new MutationObserver((records) => { if (!records.every(ours)) relayout(); }).observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ['style', 'class', 'src', 'hidden'] });

  async function readBlob(srcUrl) {
    const blob = await (await fetch(srcUrl)).blob();
    return new Promise((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => resolve(r.result);
      r.onerror = () => reject(r.error);
      r.readAsDataURL(blob);
    });
  }

  ext.runtime.onMessage.addListener((msg, _sender, sendResponse) => {
    if (!msg || typeof msg.type !== 'string') return false;
    if (msg.type === 'fakescope:attach') { attach(msg.key, msg.srcUrl, msg.mediaType); sendResponse({ ok: true }); return false; }
    if (msg.type === 'fakescope:view') {
      for (const b of byKey.get(msg.key) || []) b.update(msg.view);
      sendResponse({ ok: true });
      return false;
    }
    if (msg.type === 'fakescope:read-blob') {
      readBlob(msg.srcUrl).then((dataUrl) => sendResponse({ dataUrl }), () => sendResponse({ dataUrl: null }));
      return true;
    }
    return false;
  });
})();
