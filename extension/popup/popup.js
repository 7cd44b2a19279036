/** Popup: is the server reachable (and if not, the exact command), recent checks, page scan. */
import { viewForCheck } from '../lib/details.js';
import { START_COMMAND, trackName } from '../lib/wording.js';

const ext = globalThis.browser ?? globalThis.chrome;
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (k === 'text') n.textContent = v; else n.setAttribute(k, v);
  n.append(...children);
  return n;
}

async function refresh() {
  const ans = await ext.runtime.sendMessage({ type: 'fakescope:status' });
  const st = ans && ans.ok ? ans.value : { reachable: false, serverUrl: '?' };
  const box = $('server');
  if (st.reachable) {
    const h = st.health || {};
    box.replaceChildren(
      el('p', {}, el('span', { class: 'ok', text: 'Server running' }), ` at ${st.serverUrl} (v${h.version || '?'})`),
      el('p', { class: 'muted', text: `Checks: ${detectorNames(h) || 'none loaded'} · queue ${h.queue_depth ?? 0}` }),
    );
  } else {
    box.replaceChildren(
      el('p', {}, el('span', { class: 'down', text: 'Server not reachable' }), ` at ${st.serverUrl}.`),
      el('p', { text: 'Start it in a terminal with:' }),
      el('code', { text: START_COMMAND }),
    );
  }
  // Nothing can be scanned without a server: the button says so instead of failing after a click.
  $('scan').disabled = !st.reachable;
  $('scan-status').textContent = st.reachable ? '' : 'Scanning needs the server: start it, then reopen this popup.';
  if (st.reachable) renderRecent(st.recent || []);
  else $('recent').replaceChildren(el('li', { class: 'muted', text: 'The history is kept by the server: shown when it runs.' }));
  if (st.pendingGrant) {
    // The Allow button every "FakeScope may not read <site>" message points to.
    const host = st.pendingGrant.replace(/^[a-z]+:\/\//, '').replace(/\/\*$/, '');
    $('grant').hidden = false;
    $('grant-text').textContent = `FakeScope may not read ${host}, so it cannot draw its badge there or read media the server cannot download.`;
    $('grant-button').textContent = `Allow ${host}`;
    $('grant-button').onclick = async () => {
      $('grant-status').textContent = 'Waiting for your answer in the browser prompt…';
      // Called straight from the click: permission prompts need the user's gesture.
      let ok = false;
      try { ok = await ext.permissions.request({ origins: [st.pendingGrant] }); } catch (err) { $('grant-status').textContent = `Could not ask: ${err.message || err}`; return; }
      if (ok) await ext.storage.session.remove(['pendingGrant', 'lastProblem']);
      $('grant-status').textContent = ok ? `Allowed. Check the media on ${host} again.` : 'Not allowed: FakeScope still cannot read that site.';
      $('grant').hidden = ok;
    };
  }
}

/** The tracks the server checks, by their plain names ("Voice, Faces (advisory)"), never detector names. */
function detectorNames(h) {
  const about = h.about || {};
  return (h.detectors || []).map((name) => {
    const a = about[name] || {};
    const role = a.experimental ? ' (experimental)' : a.role === 'advisory' ? ' (advisory)' : '';
    return `${trackName(name, a.title)}${role}`;
  }).join(', ');
}

function renderRecent(items) {
  const list = $('recent');
  if (!items.length) { list.replaceChildren(el('li', { class: 'muted', text: 'None yet.' })); return; }
  list.replaceChildren(...items.map((c) => {
    const v = viewForCheck(c);
    const src = (c.source && (c.source.filename || c.source.url || c.source.page_url)) || c.kind || '';
    const when = c.created_at ? whenText(c.created_at) : '';
    return el('li', {}, el('span', { class: `tag t-${v.tone}`, 'aria-hidden': 'true' }),
      el('strong', { text: v.state === 'done' ? v.headline : v.state === 'error' ? 'Failed' : c.status }),
      el('div', { class: 'muted', text: `${c.kind || ''} · ${String(src).slice(0, 60)} · ${when}` }));
  }));
}

// The server may send epoch seconds or an ISO string.
function whenText(t) {
  const d = typeof t === 'number' ? new Date(t < 1e12 ? t * 1000 : t) : new Date(t);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString();
}

$('scan').addEventListener('click', async () => {
  const [tab] = await ext.tabs.query({ active: true, currentWindow: true });
  $('scan-status').textContent = 'Scanning visible images…';
  const ans = await ext.runtime.sendMessage({ type: 'fakescope:scan-tab', tabId: tab.id });
  $('scan-status').textContent = ans && ans.ok
    ? `Checked ${ans.value.started || 0} new image(s), ${ans.value.cached || 0} already known.`
    : `Scan failed: ${(ans && ans.error && ans.error.message) || 'cannot access this page'}`;
  refresh();
});
$('options').addEventListener('click', (e) => { e.preventDefault(); ext.runtime.openOptionsPage(); });

refresh();
