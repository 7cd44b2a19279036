/** Popup: is the server reachable (and if not, the exact command), recent checks, page scan. */
import { viewForCheck } from '../lib/details.js';
import { START_COMMAND } from '../lib/wording.js';

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
      el('p', { class: 'muted', text: `Detectors: ${(h.detectors || []).join(', ') || 'none loaded'} · queue ${h.queue_depth ?? 0}` }),
    );
  } else {
    box.replaceChildren(
      el('p', {}, el('span', { class: 'down', text: 'Server not reachable' }), ` at ${st.serverUrl}.`),
      el('p', { text: 'Start it in a terminal with:' }),
      el('code', { text: START_COMMAND }),
    );
  }
  renderRecent(st.recent || []);
  if (st.pendingGrant) {
    $('grant').hidden = false;
    $('grant-text').textContent = `To check media the server cannot download, FakeScope needs to read ${st.pendingGrant}.`;
    $('grant-button').onclick = async () => {
      // Called straight from the click: permission prompts need the user's gesture.
      const ok = await ext.permissions.request({ origins: [st.pendingGrant] });
      if (ok) await ext.storage.session.remove('pendingGrant');
      $('grant').hidden = ok;
    };
  }
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
