/**
 * The details panel and the face-box overlay, built with DOM calls only (server strings go in as text,
 * never as HTML). A classic script: defines globalThis.FakeScopePanel for badge.js.
 * Order of the panel: verdict and why, EVIDENCE (facts the file states about itself), one plain line per
 * track ("Voice: likely authentic · 12 % likely manipulated"), the per-frame / per-window charts (time
 * axis, threshold lines, hover values, click to seek), then a collapsed "Technical details" (detector
 * names, bands, model cards, versions, timings), "Report wrong verdict", and last Close / Hide badge.
 * Every word comes from the view the background built with lib/wording.js; this file only lays it out.
 */
(function definePanel(root) {
  'use strict';

  const SVG = 'http://www.w3.org/2000/svg';

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

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') node.textContent = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, String(v));
    }
    for (const c of children) if (c) node.append(c);
    return node;
  }

  const fmtS = (s) => `${Number(s).toFixed(1)} s`;
  const pct = (p) => (p === null || p === undefined ? 'n/a' : `${Math.round(p * 100)} %`);
  const labelled = (p) => (p === null || p === undefined ? 'no score' : `${pct(p)} likely manipulated`);

  // A band line may be missing (null): the model has no such band for this kind of media.
  const isLine = (v) => typeof v === 'number';

  // Bars coloured by the band they fall in (same thresholds as the lines), not a free colour ramp.
  function bandColour(score, band) {
    if (score === null) return '#bdbdbd';
    if (!band) return '#78909c';
    if (isLine(band.upper) && score >= band.upper) return '#c62828';
    if (isLine(band.lower) && score <= band.lower) return '#2e7d32';
    return '#f9a825';
  }

  /** "Text with `code` spans" -> nodes (evidence sentences quote chunk names in backticks). */
  function withCode(text) {
    const out = [];
    String(text).split(/(`[^`]+`)/).forEach((part) => {
      if (part.startsWith('`') && part.endsWith('`') && part.length > 2) out.push(el('code', { text: part.slice(1, -1) }));
      else if (part) out.push(document.createTextNode(part));
    });
    return out;
  }

  /** The band scale: where this score fell between the model's own "likely authentic" and "likely manipulated" lines. */
  function scale(score, t) {
    const lo = isLine(t.lower) ? Math.round(t.lower * 100) : 0;
    const hi = isLine(t.upper) ? Math.round(t.upper * 100) : 100;
    const said = [isLine(t.lower) ? `likely authentic up to ${lo} %` : 'no likely-authentic band',
      isLine(t.upper) ? `likely manipulated from ${hi} %` : 'no likely-manipulated band'].join(', ');
    const box = el('div', { class: 'scale', role: 'img', style: { '--lo': `${lo}%`, '--hi': `${hi}%` },
      'aria-label': `${labelled(score)}; ${said}` });
    box.style.setProperty('--lo', `${lo}%`);
    box.style.setProperty('--hi', `${hi}%`);
    box.append(
      el('div', { class: 'mark', style: { left: `${Math.round(score * 100)}%` } }, el('span', { text: pct(score) })),
      ...[lo, hi].filter((v, i) => isLine(i ? t.upper : t.lower))
        .map((v) => el('span', { class: 'edge', style: { left: `${v}%` }, text: `${v} %` })),
      el('span', { class: 'words', style: { left: '0' }, text: 'authentic' }),
      el('span', { class: 'words', style: { right: '0' }, text: 'manipulated' }),
    );
    return box;
  }

  function detectorItem(d, actions) {
    const verdict = d.status === 'experimental' ? 'experimental, not used' : (d.text.split(': ').slice(1).join(': ') || 'not applicable');
    const li = el('li', { class: `det st-${d.status}`, 'data-detector': d.name },
      el('div', { class: 'top' }, el('span', { class: 'name', text: d.title }), el('span', { class: 'verdict', text: verdict })),
      el('p', { class: 'sentence' }, el('code', { text: d.internal || d.name })),
      d.looksFor ? el('p', { class: 'sentence', text: d.looksFor }) : null);
    if (d.score !== null && d.thresholds) li.append(scale(d.score, d.thresholds));
    if (d.band) li.append(el('p', { class: 'muted', text: `${d.band}.` }));
    if (d.status === 'experimental') {
      const auc = d.heldoutAuc !== null ? ` (held-out AUC ${d.heldoutAuc.toFixed(2)}, below the 0.5 of a coin toss)` : '';
      li.append(el('p', { class: 'muted', text: `Experimental: on generators it never saw this model ranks worse than chance${auc}. Its score is shown greyed and never used.` }));
    } else if (d.status === 'advisory') {
      li.append(el('p', { class: 'muted', text: 'Advisory: too weak on unseen generators to decide; shown, not used for the verdict.' }));
    }
    if (d.cardUrl) {
      li.append(el('a', { href: d.cardUrl, target: '_blank', rel: 'noopener',
        onclick: (e) => { e.preventDefault(); actions.openCard(d.cardUrl); }, text: 'Model card: how it was trained and measured' }));
    }
    return li;
  }

  /**
   * One chart: bars over a time axis (ticks in seconds), dashed threshold lines, a readout with the value
   * under the pointer or keyboard focus, and click/Enter to seek the media to that moment.
   */
  function chart(c, actions) {
    const W = 336;
    const H = 64;
    const L = 36; // left gutter: the % labels and the threshold labels live here, never over the bars
    const plotW = W - L - 4;
    const dur = Math.max(c.duration || 0, ...c.points.map((p) => (p.end ?? p.start)), 0.001);
    const x = (t) => L + (t / dur) * plotW;
    const y = (s) => H - s * H;
    const readout = el('div', { class: 'readout muted', 'aria-live': 'polite', text: 'Point at a bar for its value; click to jump there.' });
    const box = svg('svg', { viewBox: `0 -6 ${W} ${H + 26}`, role: 'group', 'aria-label': `${c.title}: ${c.points.length} scores over ${fmtS(dur)}` });
    box.append(svg('rect', { x: L, y: 0, width: plotW, height: H, fill: '#fff', stroke: '#b0bec5' }));
    // Bar width: a window's real span, or the spacing between sampled frames.
    const step = c.points.length > 1 ? (c.points[c.points.length - 1].start - c.points[0].start) / (c.points.length - 1) : dur;
    c.points.forEach((p, i) => {
      // Windows overlap (4 s windows every 2 s): each bar is drawn up to the next window's start, so bars
      // never hide each other; the label keeps the window's real span.
      const next = c.points[i + 1];
      const span = p.end !== null && p.end !== undefined;
      const x0 = span ? x(p.start) : x(Math.max(0, p.start - step / 2));
      const x1 = span ? x(next ? Math.min(p.end, next.start) : p.end) : x(Math.min(dur, p.start + step / 2));
      const s = p.score === null ? 0.04 : Math.max(0.06, p.score); // a low score still gets a bar big enough to point at
      const when = p.end !== null && p.end !== undefined ? `${fmtS(p.start)}–${fmtS(p.end)}` : `at ${fmtS(p.start)}`;
      const label = `${when}: ${p.score === null ? c.empty.replace(/^grey: /, '') : labelled(p.score)}`;
      const show = () => { readout.textContent = label; };
      const seek = () => { actions.seek(p.start); readout.textContent = `${label} — jumped to ${fmtS(p.start)}`; };
      box.append(svg('rect', {
        class: 'bar', x: x0 + 0.5, y: y(s), width: Math.max(2, x1 - x0 - 1), height: H - y(s), fill: bandColour(p.score, c.band),
        tabindex: 0, role: 'button', 'aria-label': `${label}. Jump there`, 'data-t': p.start,
        onmouseenter: show, onfocus: show, onclick: seek, onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); seek(); } },
      }, svg('title', { text: label })));
    });
    // Threshold lines across the plot; their values sit in the left gutter (labels drawn over the bars
    // hid them). The axis ends (0 %, 100 %) give way to a threshold value close to them.
    const gutter = [];
    if (c.band) {
      for (const v of [c.band.upper, c.band.lower].filter(isLine)) {
        box.append(svg('line', { x1: L, x2: L + plotW, y1: y(v), y2: y(v), stroke: '#37474f', 'stroke-dasharray': '4 3', 'stroke-width': 1, 'pointer-events': 'none' }));
        gutter.push({ v, text: pct(v), cls: 'threshold', weight: 700 });
      }
    }
    for (const v of [0, 1]) if (!gutter.some((g) => Math.abs(y(g.v) - y(v)) < 10)) gutter.push({ v, text: pct(v), cls: 'axis', weight: 400 });
    for (const g of gutter) {
      box.append(svg('text', { x: L - 3, y: y(g.v) + 3, 'text-anchor': 'end', 'font-size': 9, 'font-weight': g.weight, fill: '#37474f',
        class: `ylabel ${g.cls}`, text: g.text }));
    }
    for (const t of root.FakeScopePlacement.timeTicks(dur)) {
      box.append(svg('line', { x1: x(t), x2: x(t), y1: H, y2: H + 4, stroke: '#5f6b73' }));
      box.append(svg('text', { x: x(t), y: H + 14, 'text-anchor': 'middle', 'font-size': 9.5, fill: '#37474f', text: `${t} s` }));
    }
    const said = c.band ? [isLine(c.band.lower) ? `likely authentic up to ${pct(c.band.lower)}` : null,
      isLine(c.band.upper) ? `likely manipulated from ${pct(c.band.upper)}` : null].filter(Boolean) : [];
    const lines = said.length ? `dashed lines: ${said.join(', ')}; ` : '';
    return el('div', { class: 'chart', 'data-chart': c.id }, el('h3', { text: c.title }), box, readout,
      el('p', { class: 'muted', text: `Bar height: % likely manipulated; time in seconds; ${lines}${c.empty}.` }));
  }

  /** Fill `panel` for a done view. actions: report(label), close(), hide(), seek(t), openCard(url), startDrag(e). */
  function render(panel, view, actions) {
    panel.replaceChildren();
    const d = view.details || {};
    const headline = d.headline || view.headline;
    // The dialog is labelled "FakeScope details": the heading is the verdict alone, on one line.
    const head = el('div', { class: 'head', title: 'Drag to move', onpointerdown: (e) => actions.startDrag(e) },
      el('h2', { text: headline, title: headline }),
      el('button', { type: 'button', class: 'x', 'aria-label': 'Close details', text: '×', onclick: actions.close }));
    panel.append(head);
    panel.append(el('p', { class: 'summary', text: d.scoreText || '' }));
    if (view.cached) panel.append(el('p', { class: 'muted', text: 'Result from the server cache (same bytes, same models).' }));

    if ((d.evidence || []).length) {
      panel.append(el('h3', { text: 'Evidence in the file' }));
      for (const e of d.evidence) {
        // The raw metadata line is long: one line cut with an ellipsis, the whole of it in the tooltip.
        panel.append(el('div', { class: 'evidence', 'data-evidence': e.kind },
          el('strong', {}, ...withCode(e.sentence)), e.detail ? el('span', { class: 'raw', text: e.detail, title: e.detail }) : null));
      }
      panel.append(el('p', { class: 'muted', text: 'A label a generator wrote into the file is a fact about the file, not a model estimate. Its absence means nothing: most sites strip metadata.' }));
    }

    if ((d.tracks || []).length) {
      panel.append(el('h3', { text: 'What each check found' }));
      panel.append(el('ul', { class: 'tracks' }, ...d.tracks.map((t) => el('li', {
        class: `track v-${t.verdict}${t.applicable ? '' : ' na'}`, 'data-track': t.track || '', 'data-detector': t.detector || '', text: t.text,
      }))));
    }

    if ((d.faces || []).length) {
      panel.append(el('p', { class: 'muted', text: `${d.faces.length} face box(es) drawn on the media.` }));
    } else if ((d.timeline || []).some((t) => t.faces.length)) {
      panel.append(el('p', { class: 'muted', text: 'Face boxes are drawn on the video for the sampled frame nearest to the one shown.' }));
    }
    for (const c of d.charts || []) panel.append(chart(c, actions));

    // Internal names, bands, cards, versions and timings: for the curious, collapsed.
    const tech = el('details', { class: 'tech' }, el('summary', { text: 'Technical details' }));
    if (d.decidingTech) tech.append(el('p', { class: 'muted', text: d.decidingTech }));
    tech.append(el('h3', { text: 'Detectors' }));
    tech.append(el('ul', {}, ...(d.detectors || []).map((x) => detectorItem(x, actions))));
    if ((d.otherMetadata || []).length) {
      tech.append(el('h3', { text: 'Other metadata' }));
      tech.append(el('ul', {}, ...d.otherMetadata.map((m) => el('li', { class: 'muted', text: m.detail || m.sentence }))));
    }
    if ((d.modelVersions || []).length) {
      tech.append(el('h3', { text: 'Models' }));
      tech.append(el('p', { class: 'muted', text: d.modelVersions.join(' · ') }));
    }
    if ((d.timings || []).length) {
      tech.append(el('h3', { text: 'Timings' }));
      tech.append(el('p', { class: 'muted', text: d.timings.join(' · ') }));
    }
    // Opening it changes the panel's height: place it again.
    tech.addEventListener('toggle', () => actions.relayout && actions.relayout());
    panel.append(tech);

    const report = el('section', { class: 'report' }, el('h3', { text: 'Report wrong verdict' }));
    const status = el('p', { class: 'muted', role: 'status' });
    const send = (label) => {
      status.textContent = 'Sending…';
      actions.report(label).then(
        () => { status.textContent = 'Thanks: stored on your computer as feedback for retraining.'; },
        (msg) => { status.textContent = `Could not send: ${msg}`; },
      );
    };
    report.append(el('div', { class: 'row' },
      el('button', { type: 'button', text: 'It is authentic', onclick: () => send('real') }),
      el('button', { type: 'button', text: 'It is manipulated', onclick: () => send('fake') })), status);
    panel.append(report);
    panel.append(el('p', { class: 'muted', text: 'Results are estimates from models that make mistakes; treat them as a hint to look closer, not proof.' }));
    // Closing actions in their own footer, not under the report heading.
    panel.append(el('div', { class: 'row footer' },
      el('button', { type: 'button', text: 'Close', onclick: actions.close }),
      el('button', { type: 'button', text: 'Hide badge', onclick: actions.hide })));
  }

  /**
   * Face boxes over the element, scaled from media pixels to its displayed box (object-fit aware). On a
   * video: the boxes of the sampled frame nearest to currentTime, so they match the picture shown.
   */
  function drawFaces(overlay, details, target) {
    overlay.replaceChildren();
    const media = details && details.media;
    let faces = (details && details.faces) || [];
    let when = '';
    if (target.tagName === 'VIDEO' && (details.timeline || []).length) {
      const frame = root.FakeScopePlacement.frameAt(details.timeline, target.currentTime || 0);
      faces = frame ? frame.faces : [];
      when = frame ? ` · ${fmtS(frame.t)}` : '';
      overlay.setAttribute('data-frame-t', frame ? String(frame.t) : '');
    }
    if (!media || !media.width || !media.height || !faces.length || !target.isConnected) {
      overlay.hidden = true;
      overlay.setAttribute('data-faces', '0');
      return;
    }
    const r = target.getBoundingClientRect();
    // The overlay clips to the element (overflow: hidden): no box or label spills over the page's text.
    Object.assign(overlay.style, { left: `${r.left}px`, top: `${r.top}px`, width: `${r.width}px`, height: `${r.height}px` });
    const fit = getComputedStyle(target).objectFit || (target.tagName === 'VIDEO' ? 'contain' : 'fill');
    let n = 0;
    for (const f of faces) {
      const b = root.FakeScopePlacement.scaleBox(f.box, media, { width: r.width, height: r.height }, fit);
      if (!b) continue;
      n += 1;
      const text = `Face: ${labelled(f.score)}${when}`;
      // A label needs room: on small media the box alone (its words are in the tooltip and the panel).
      // Above the box when there is space inside the element, else inside the box's top edge.
      const label = b.width >= 90 ? el('span', { class: b.top >= 17 ? 'above' : 'inside', text }) : null;
      overlay.append(el('div', { class: 'face', title: text, style: { left: `${b.left}px`, top: `${b.top}px`, width: `${b.width}px`, height: `${b.height}px` } },
        label));
    }
    overlay.setAttribute('data-faces', String(n));
    overlay.hidden = n === 0;
  }

  root.FakeScopePanel = Object.freeze({ render, drawFaces });
})(globalThis);
