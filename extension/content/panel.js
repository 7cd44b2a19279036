/**
 * The details panel and the face-box overlay, built with DOM calls only (server strings go in as text,
 * never as HTML). A classic script: defines globalThis.FakeScopePanel for badge.js.
 */
(function definePanel(root) {
  'use strict';

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') node.textContent = v;
      else if (k === 'style') Object.assign(node.style, v);
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const c of children) if (c) node.append(c);
    return node;
  }

  // Continuous colour from green (0) to red (1): the chart shows scores, not thresholded verdicts.
  function barColour(score) {
    return `hsl(${Math.round((1 - score) * 120)}, 70%, 42%)`;
  }

  function chart(label, items, describe) {
    const box = el('div', { class: 'chart', role: 'img', 'aria-label': label });
    for (const it of items) {
      const title = describe(it);
      const bar = it.score === null
        ? el('div', { class: 'bar none', title })
        : el('div', { class: 'bar', title, style: { height: `${Math.max(4, it.score * 100)}%`, background: barColour(it.score) } });
      box.append(bar);
    }
    return box;
  }

  const fmtS = (s) => `${Number(s).toFixed(1)} s`;
  const pct = (p) => (p === null ? 'n/a' : `${Math.round(p * 100)}%`);

  /** Fill `panel` for a done view. `onReport(label)` sends the feedback through the background. */
  function render(panel, view, onReport, onClose) {
    panel.replaceChildren();
    const d = view.details || {};
    panel.append(el('h2', { text: `FakeScope: ${d.headline || view.headline}` }));
    if (d.reason) panel.append(el('p', { text: `Why: ${d.reason}` }));
    panel.append(el('p', { text: d.scoreText || '' }));
    if (d.deciding) panel.append(el('p', { class: 'muted', text: `Deciding detector: ${d.deciding}${d.basis ? ` (${d.basis})` : ''}` }));
    if (view.cached) panel.append(el('p', { class: 'muted', text: 'Result from the server cache (same bytes, same models).' }));

    panel.append(el('h3', { text: 'Detectors' }));
    panel.append(el('ul', {}, ...(d.detectors || []).map((x) => el('li', { text: x.text }))));

    if ((d.faces || []).length) {
      panel.append(el('p', { class: 'muted', text: `${d.faces.length} face box(es) drawn on the media.` }));
    }
    if ((d.timeline || []).length) {
      panel.append(el('h3', { text: 'Per-frame scores' }));
      panel.append(chart(`Per-frame scores for ${d.timeline.length} sampled frames`, d.timeline, (t) => `${fmtS(t.t)}: ${pct(t.score)}`));
    }
    if ((d.segments || []).length) {
      panel.append(el('h3', { text: 'Per-segment scores' }));
      panel.append(chart(`Per-segment scores for ${d.segments.length} audio segments`, d.segments,
        (s) => `${fmtS(s.start)}–${fmtS(s.end)}: ${pct(s.score)}`));
    }
    if ((d.modelVersions || []).length) {
      panel.append(el('h3', { text: 'Models' }));
      panel.append(el('p', { class: 'muted', text: d.modelVersions.join(' · ') }));
    }
    if ((d.timings || []).length) {
      panel.append(el('h3', { text: 'Timings' }));
      panel.append(el('p', { class: 'muted', text: d.timings.join(' · ') }));
    }

    panel.append(el('h3', { text: 'Report wrong verdict' }));
    const status = el('p', { class: 'muted', role: 'status' });
    const send = (label) => {
      status.textContent = 'Sending…';
      onReport(label).then(
        () => { status.textContent = 'Thanks: stored on your computer as feedback for retraining.'; },
        (msg) => { status.textContent = `Could not send: ${msg}`; },
      );
    };
    panel.append(el('div', { class: 'row' },
      el('button', { type: 'button', text: 'It is authentic', onclick: () => send('real') }),
      el('button', { type: 'button', text: 'It is manipulated', onclick: () => send('fake') }),
      el('button', { type: 'button', text: 'Close', onclick: onClose })));
    panel.append(status);
    panel.append(el('p', { class: 'muted', text: 'Scores are estimates from models that make mistakes; treat them as a hint, not proof.' }));
  }

  /** Face boxes over the element, scaled from media pixels to its displayed box (object-fit aware). */
  function drawFaces(overlay, details, target) {
    overlay.replaceChildren();
    const media = details && details.media;
    if (!media || !media.width || !media.height || !(details.faces || []).length || !target.isConnected) {
      overlay.hidden = true;
      return;
    }
    const r = target.getBoundingClientRect();
    Object.assign(overlay.style, { left: `${r.left}px`, top: `${r.top}px`, width: `${r.width}px`, height: `${r.height}px` });
    const fit = getComputedStyle(target).objectFit || (target.tagName === 'VIDEO' ? 'contain' : 'fill');
    for (const f of details.faces) {
      const b = root.FakeScopePlacement.scaleBox(f.box, media, { width: r.width, height: r.height }, fit);
      if (!b) continue;
      overlay.append(el('div', { class: 'face', style: { left: `${b.left}px`, top: `${b.top}px`, width: `${b.width}px`, height: `${b.height}px` } },
        el('span', { text: `face ${pct(f.score)}` })));
    }
    overlay.hidden = false;
  }

  root.FakeScopePanel = Object.freeze({ render, drawFaces });
})(globalThis);
