/**
 * Badge and panel styles, inside the closed shadow root (page CSS cannot reach them and they cannot
 * leak into the page). A classic script like badge.js: defines globalThis.FakeScopeBadgeCss.
 */
globalThis.FakeScopeBadgeCss = `
:host { all: initial; }
* { box-sizing: border-box; font: 13px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif; }
.wrap { display: flex; align-items: stretch; width: max-content; border-radius: 6px;
  box-shadow: 0 1px 4px rgba(0,0,0,.45); overflow: hidden; }
button { cursor: pointer; border: 0; margin: 0; color: inherit; background: none; }
button:focus-visible { outline: 3px solid #4fc3f7; outline-offset: -3px; }
.badge { display: flex; flex: 1 1 auto; min-width: 0; gap: 6px; align-items: center; padding: 4px 8px; text-align: left; }
.text { min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.tone-error .text { white-space: normal; }
.dot { width: 9px; height: 9px; flex: none; border-radius: 50%; background: currentColor; opacity: .85; }
.close { flex: none; padding: 0 7px; font-size: 15px; border-left: 1px solid rgba(255,255,255,.35); }
.tone-fake { background: #b71c1c; color: #fff; }
.tone-uncertain { background: #f9a825; color: #1b1b1b; }
.tone-real { background: #2e7d32; color: #fff; }
.tone-na { background: #616161; color: #fff; }
.tone-error { background: #263238; color: #fff; border-left: 4px solid #ff7043; }
.tone-pending { background: #37474f; color: #fff; }
.meter { height: 3px; background: #80cbc4; }
.panel { position: fixed; width: 340px; max-height: 70vh; overflow: auto; padding: 10px 12px;
  background: #fafafa; color: #1b1b1b; border-radius: 8px; box-shadow: 0 4px 16px rgba(0,0,0,.4); }
.panel h2 { margin: 0 0 6px; font-size: 15px; font-weight: 600; }
.panel h3 { margin: 10px 0 4px; font-size: 12px; font-weight: 600; text-transform: uppercase; color: #555; }
.panel ul { margin: 0; padding-left: 18px; }
.panel p { margin: 4px 0; }
.muted { color: #666; font-size: 12px; }
.chart { display: flex; align-items: flex-end; gap: 1px; height: 48px; border-bottom: 1px solid #999; }
.chart .bar { flex: 1; min-width: 2px; }
.chart .none { background: #bdbdbd; height: 4px; }
.row { display: flex; gap: 6px; margin-top: 6px; flex-wrap: wrap; }
.row button { padding: 4px 8px; border-radius: 4px; background: #e0e0e0; }
.overlay { position: fixed; pointer-events: none; }
.face { position: absolute; border: 2px solid #ff1744; box-shadow: 0 0 0 1px #fff; }
.face span { position: absolute; top: -16px; left: -2px; background: #ff1744; color: #fff; font-size: 10px; padding: 0 3px; }
`;
