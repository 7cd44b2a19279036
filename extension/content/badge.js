/**
 * Content script: draws badges ONLY (no server calls: those come from the background). Each badge is a
 * host element in the page with a closed shadow root, positioned over the media element's top-left
 * corner and kept there through scroll, resize, lazy-loading and layout changes; it disappears with
 * the element. The host carries data-fakescope-state / -verdict so tests and assistive tools can read
 * the outcome without piercing the shadow root.
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
      this.view = null;
      this.host = document.createElement('div');
      this.host.setAttribute('data-fakescope-badge', '');
      this.host.setAttribute('data-fakescope-src', srcUrl.startsWith('data:') ? srcUrl.slice(0, 64) : srcUrl);
      this.host.setAttribute('data-fakescope-kind', mediaType || '');
      // Inline, !important-free but specific enough: page CSS rarely targets unknown attribute selectors.
      Object.assign(this.host.style, { position: 'fixed', zIndex: '2147483646', left: '0px', top: '0px', margin: '0', padding: '0' });
      const shadow = this.host.attachShadow({ mode: 'closed' });
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
    }

    place() {
      if (!this.target.isConnected) { this.remove(); return; }
      const rect = this.target.getBoundingClientRect();
      const vp = { width: document.documentElement.clientWidth || innerWidth, height: document.documentElement.clientHeight || innerHeight };
      this.wrap.style.maxWidth = `${P.badgeMaxWidth(rect.width, this.host.getAttribute('data-fakescope-state') === 'error')}px`;
      const size = this.wrap.getBoundingClientRect();
      const pos = P.badgePosition(rect, vp, { width: size.width || 120, height: (size.height || 24) + 3 });
      this.host.style.left = `${pos.left}px`;
      this.host.style.top = `${pos.top}px`;
      this.host.style.display = pos.visible ? 'block' : 'none';
      if (!this.panel.hidden) {
        const pr = this.panel.getBoundingClientRect();
        const pp = P.panelPosition({ left: pos.left, top: pos.top, width: size.width, height: size.height }, vp, { width: pr.width || 340, height: pr.height || 200 });
        this.panel.style.left = `${pp.left}px`;
        this.panel.style.top = `${pp.top}px`;
        if (this.view && this.view.details) globalThis.FakeScopePanel.drawFaces(this.overlay, this.view.details, this.target);
      }
    }

    update(view) {
      this.view = view;
      const h = this.host;
      h.setAttribute('data-fakescope-state', view.state);
      if (view.checkId) h.setAttribute('data-fakescope-check', view.checkId);
      if (view.state === 'done') h.setAttribute('data-fakescope-verdict', view.verdict);
      else h.removeAttribute('data-fakescope-verdict');
      if (view.state === 'error') h.setAttribute('data-fakescope-error', view.errorCode);
      else h.removeAttribute('data-fakescope-error');
      this.wrap.className = `wrap tone-${view.tone}`;
      const dot = document.createElement('span');
      dot.className = 'dot';
      const text = document.createElement('span');
      text.className = 'text';
      text.textContent = view.headline;
      this.button.title = view.headline; // the full text when the one-line badge is cut short
      this.button.replaceChildren(dot, text);
      const action = view.state === 'done' ? ' Press to show details.' : '';
      this.button.setAttribute('aria-label', `FakeScope: ${view.headline}.${action}`);
      // aria-disabled, not disabled: the badge stays reachable with Tab while a check runs.
      this.button.setAttribute('aria-disabled', String(view.state !== 'done'));
      this.meter.hidden = view.state !== 'pending';
      this.meter.style.width = `${Math.round((view.progress || 0) * 100)}%`;
      if (view.state !== 'done') this.setOpen(false);
      else if (!this.panel.hidden) this.renderPanel();
      this.place();
    }

    renderPanel() {
      const report = (label) => ext.runtime.sendMessage({ type: 'fakescope:feedback', checkId: this.view.checkId, label })
        .then((ans) => { if (!ans || !ans.ok) throw (ans && ans.error && ans.error.message) || 'server error'; });
      globalThis.FakeScopePanel.render(this.panel, this.view, report, () => this.setOpen(false));
    }

    toggle() { this.setOpen(this.panel.hidden); }

    setOpen(open) {
      if (open && !(this.view && this.view.state === 'done')) return;
      if (open) this.renderPanel();
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
      this.host.remove();
      for (const [key, list] of byKey) {
        const rest = list.filter((b) => b !== this);
        if (rest.length) byKey.set(key, rest); else byKey.delete(key);
      }
    }
  }

  function attach(key, srcUrl, mediaType) {
    for (const old of byKey.get(key) || []) old.remove(); // a new check of the same media replaces the badge
    const badges = findTargets(srcUrl, mediaType).map((t) => new Badge(t, srcUrl, mediaType));
    byKey.set(key, badges);
  }

  function placeAll() { for (const list of byKey.values()) for (const b of list) b.schedule(); }
  // Capture phase: scrolls of any nested container move the element too.
  addEventListener('scroll', placeAll, { capture: true, passive: true });
  addEventListener('resize', placeAll, { passive: true });
  // Removal and layout shifts from DOM changes: follow or disappear with the element.
  // Records about our own hosts (their style moves every frame) are ignored, or placing would loop.
  const ours = (r) => r.target.nodeType === 1 && r.target.hasAttribute('data-fakescope-badge');
  new MutationObserver((records) => { if (!records.every(ours)) placeAll(); }).observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ['style', 'class', 'src', 'hidden'] });

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
