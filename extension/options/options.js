/** Options page: server URL, bytes vs URLs, auto-scan sites (their host permission asked on save). */
import { normaliseServerUrl, parseSites, sitePatterns, withDefaults } from '../lib/settings.js';

const ext = globalThis.browser ?? globalThis.chrome;
const form = document.getElementById('form');
const status = document.getElementById('status');

async function load() {
  const s = withDefaults(await ext.storage.local.get(null));
  form.serverUrl.value = s.serverUrl;
  form.sites.value = s.autoScanSites.join('\n');
  form.minSize.value = s.autoScanMinSize;
  form.send.value = s.sendBytes ? 'bytes' : 'urls';
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  status.className = '';
  let serverUrl;
  try {
    serverUrl = normaliseServerUrl(form.serverUrl.value);
  } catch (err) {
    status.className = 'error';
    status.textContent = err.message;
    return;
  }
  const sites = parseSites(form.sites.value);
  const sendBytes = form.send.value === 'bytes';
  // Ask now, in ONE request inside the Save click (a second prompt after an await has lost the
  // gesture): auto-scan must run on these sites, and "send bytes" must read media from any site.
  const origins = [...sitePatterns(sites), ...(sendBytes ? ['<all_urls>'] : [])];
  const granted = origins.length ? await ext.permissions.request({ origins }).catch(() => false) : true;
  await ext.storage.local.set({ serverUrl, autoScanSites: sites, autoScanMinSize: Number(form.minSize.value), sendBytes });
  status.textContent = granted ? 'Saved.' : 'Saved, but auto-scan stays off until you allow access to those sites.';
});

load();
