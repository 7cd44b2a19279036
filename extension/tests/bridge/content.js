/**
 * TEST-ONLY bridge (added to a temporary copy of the extension by e2e.mjs, never shipped): lets the test
 * page ask the background to do what a context-menu click does. Needed because Firefox's WebDriver BiDi
 * cannot reach extension contexts (moz-extension pages and the background are hidden from automation);
 * Chromium uses the same bridge so both browsers run the same scenarios the same way.
 */
(() => {
  const ext = globalThis.browser ?? globalThis.chrome;
  window.addEventListener('message', (e) => {
    if (e.source !== window || !e.data || e.data.__fakescopeTest !== 'call') return;
    const { id, op, args } = e.data;
    const reply = (body) => window.postMessage({ __fakescopeTest: 'reply', id, ...body }, '*');
    ext.runtime.sendMessage({ type: 'fakescope-test:call', op, args }).then(
      (ans) => reply(ans && ans.ok ? { value: ans.value } : { error: (ans && ans.error) || 'no answer' }),
      (err) => reply({ error: String(err && err.message ? err.message : err) }),
    );
  });
  document.documentElement.setAttribute('data-fakescope-test-bridge', 'ready');
})();
