/**
 * Badge and panel styles, inside the shadow root (page CSS cannot reach them and they cannot leak into
 * the page). A classic script like badge.js: defines globalThis.FakeScopeBadgeCss.
 * Verdicts differ by icon SHAPE and border/pattern as well as colour (colour-blind readers): likely manipulated =
 * warning triangle on a striped red, uncertain = "?" with a dashed border, likely authentic = check mark on
 * solid green, not applicable = dash on grey outline.
 */
globalThis.FakeScopeBadgeCss = `
:host { all: initial; }
* { box-sizing: border-box; font: 13px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif; }
.wrap { display: flex; align-items: stretch; width: max-content; border-radius: 6px;
  box-shadow: 0 1px 4px rgba(0,0,0,.5); overflow: hidden; }
button { cursor: pointer; border: 0; margin: 0; color: inherit; background: none; }
button:focus-visible { outline: 3px solid #4fc3f7; outline-offset: -3px; }
.badge { display: flex; flex: 1 1 auto; min-width: 0; gap: 5px; align-items: center; padding: 3px 7px; text-align: left; }
.icon { flex: none; display: inline-grid; place-items: center; width: 17px; height: 17px; font-weight: 700; font-size: 12px; line-height: 1; }
.word { font-weight: 600; white-space: nowrap; }
.word + .figure::before { content: '\\00b7  '; font-weight: 400; }
.figure { flex: none; font-weight: 700; white-space: nowrap; font-variant-numeric: tabular-nums; }
.text { min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.tone-error .text { white-space: normal; font-size: 12px; }
.tone-na .text { white-space: normal; } /* several plain reasons may take two lines */
.form-compact .badge { padding: 3px 5px; gap: 3px; }
.form-compact .word, .form-compact .figure { font-size: 12px; }
.form-compact .icon { width: 15px; height: 15px; font-size: 11px; }
/* Compact badges too narrow for one row (measured by badge.js): the score under the word, or no word. */
.fit-stack .badge { display: grid; grid-template-columns: auto auto; justify-content: start; align-items: center; column-gap: 3px; row-gap: 0; }
.fit-stack .icon { grid-row: 1 / span 2; }
.fit-stack .word, .fit-stack .figure { line-height: 1.1; }
.fit-stack .word { white-space: normal; width: min-content; } /* "Likely" over "manipulated" */
/* full: only the figure moves down (a not-applicable reason has no figure: it wraps instead) */
.form-full.fit-stack:not(.tone-na) .word { white-space: nowrap; width: auto; }
.form-full.tone-na.fit-stack .word { width: auto; }
.fit-stack .word + .figure::before { content: none; }
.fit-short .word { display: none; }
.form-mini .badge { padding: 1px 3px; gap: 2px; }
.form-mini .icon { width: 13px; height: 13px; font-size: 10px; }
.form-mini .figure { font-size: 11px; letter-spacing: -.02em; }
.form-mini.tone-uncertain .icon { border-width: 1.5px; }
.form-mini.fit-tight { border-width: 1px; }
.form-mini.fit-tight .badge { padding: 1px 2px; gap: 1px; }
.form-mini.fit-tight .icon { width: 11px; height: 11px; font-size: 9px; }
.form-mini.fit-tight .figure { font-size: 9.5px; letter-spacing: -.05em; }
.close { flex: none; padding: 0 7px; font-size: 15px; border-left: 1px solid rgba(255,255,255,.35); }
.tone-fake { color: #fff; border: 2px solid #7f0000;
  background: repeating-linear-gradient(135deg, #b71c1c 0 6px, #9a1414 6px 12px); }
.tone-fake .icon { font-size: 13px; }
.tone-uncertain { background: #ffd54f; color: #1b1b1b; border: 2px dashed #5d4037; }
.tone-uncertain .icon { border: 2px solid currentColor; border-radius: 50%; }
.tone-real { background: #1b5e20; color: #fff; border: 2px solid #0b3d0f; border-radius: 12px; }
.tone-real .icon { background: #fff; color: #1b5e20; border-radius: 50%; }
.tone-na { background: #f5f5f5; color: #303030; border: 2px solid #616161; }
.tone-error { background: #263238; color: #fff; border-left: 4px solid #ff7043; }
.tone-pending { background: #37474f; color: #fff; }
.act { flex: none; align-self: center; margin: 4px 6px 4px 0; padding: 2px 8px; border-radius: 4px; background: #eceff1; color: #1b1b1b; font-weight: 600; }
.meter { height: 3px; background: #80cbc4; }
.panel { position: fixed; width: 360px; overflow: auto; padding: 0 12px 10px;
  background: #fafafa; color: #1b1b1b; border-radius: 8px; box-shadow: 0 4px 18px rgba(0,0,0,.45); }
.panel .head { position: sticky; top: 0; display: flex; align-items: center; gap: 6px; margin: 0 -12px 6px; padding: 8px 12px 6px;
  background: #eceff1; cursor: move; user-select: none; border-bottom: 1px solid #cfd8dc; }
.panel h2 { flex: 1; min-width: 0; margin: 0; font-size: 15px; font-weight: 700; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.panel .x { font-size: 16px; padding: 0 4px; }
.panel h3 { margin: 12px 0 4px; font-size: 11.5px; font-weight: 700; letter-spacing: .04em; text-transform: uppercase; color: #455a64; }
.panel ul { margin: 0; padding: 0; list-style: none; }
.panel p { margin: 4px 0; }
.muted { color: #5f6b73; font-size: 12px; }
.evidence { margin: 6px 0; padding: 6px 8px; border-left: 4px solid #b71c1c; background: #fdecea; border-radius: 0 4px 4px 0; }
.evidence strong { display: block; font-weight: 700; }
.evidence code, .det code { font-family: ui-monospace, monospace; font-size: 12px; }
.evidence .raw { display: block; margin-top: 2px; color: #5f6b73; font-size: 11.5px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.tracks li { margin: 3px 0; padding: 4px 8px; border-left: 4px solid #90a4ae; background: #fff; border-radius: 0 4px 4px 0; }
.tracks li.v-likely_fake { border-left-color: #b71c1c; } .tracks li.v-likely_real { border-left-color: #2e7d32; }
.tracks li.v-uncertain { border-left-color: #f9a825; } .tracks li.na { color: #5f6b73; background: #f3f4f5; }
.tech { margin-top: 10px; } .tech summary { cursor: pointer; font-weight: 600; color: #37474f; }
.det { margin: 6px 0; padding: 6px 8px; border: 1px solid #dfe3e6; border-radius: 6px; background: #fff; }
.det .top { display: flex; gap: 6px; align-items: baseline; }
.det .name { font-weight: 700; flex: 1; }
.det .verdict { font-weight: 600; max-width: 58%; text-align: right; }
.det .sentence { color: #5f6b73; font-size: 12px; margin: 2px 0; }
.det.st-experimental, .det.st-na { background: #f3f4f5; }
.det.st-experimental .verdict, .det.st-experimental .scale { opacity: .55; filter: grayscale(1); }
.det a { color: #0d47a1; font-size: 12px; }
.scale { position: relative; height: 12px; margin: 14px 0 16px; border-radius: 3px; overflow: visible;
  background: linear-gradient(90deg, #c8e6c9 0 var(--lo), #fff3c4 var(--lo) var(--hi), #ffcdd2 var(--hi) 100%); border: 1px solid #9e9e9e; }
.scale .mark { position: absolute; top: -5px; width: 3px; height: 20px; margin-left: -1px; background: #111; border-radius: 1px; }
.scale .mark span { position: absolute; top: -15px; left: -14px; width: 32px; text-align: center; font-size: 11px; font-weight: 700; }
.scale .edge { position: absolute; top: 12px; font-size: 10px; color: #5f6b73; transform: translateX(-50%); }
.scale .words { position: absolute; top: 12px; font-size: 10px; color: #37474f; }
.chart svg { display: block; width: 100%; height: auto; overflow: visible; }
.chart .readout { min-height: 16px; font-size: 12px; font-variant-numeric: tabular-nums; }
.chart rect.bar { cursor: pointer; }
.chart rect.bar:hover, .chart rect.bar:focus { stroke: #111; stroke-width: 1.5; outline: none; }
.row { display: flex; gap: 6px; margin-top: 6px; flex-wrap: wrap; }
.row.footer { justify-content: flex-end; margin-top: 10px; padding-top: 8px; border-top: 1px solid #cfd8dc; }
.row button { padding: 4px 8px; border-radius: 4px; background: #e0e0e0; }
.overlay { position: fixed; pointer-events: none; overflow: hidden; }
.face { position: absolute; border: 2px solid #ff1744; box-shadow: 0 0 0 1px #fff; }
.face span { position: absolute; left: -2px; background: #ff1744; color: #fff; font-size: 10.5px; padding: 0 3px; white-space: nowrap; }
.face span.above { top: -17px; } .face span.inside { top: 0; left: 0; }
.notice { display: grid; grid-template-columns: 1fr auto; gap: 2px 10px; align-items: center; max-width: 340px; padding: 8px 10px;
  background: #263238; color: #fff; border-left: 4px solid #ff7043; border-radius: 6px; box-shadow: 0 2px 8px rgba(0,0,0,.5); }
.notice .title { font-weight: 700; grid-column: 1; }
.notice p { margin: 0; grid-column: 1; font-size: 12.5px; }
.notice button { grid-column: 2; grid-row: 1 / span 2; padding: 3px 8px; border-radius: 4px; background: #eceff1; color: #1b1b1b; font-weight: 600; }
`;
