/* global document, window, __webpack_init_sharing__, __webpack_share_scopes__ */
/*
 * The harness's entry: loads the federated (prebuilt) extensions listed in the page config so
 * that module sharing is settled, then starts the application (index.js).
 */

function pageConfig() {
  const el = document.getElementById('jupyter-config-data');
  return el ? JSON.parse(el.textContent || '{}') : {};
}

const config = pageConfig();
// eslint-disable-next-line no-undef
__webpack_public_path__ = `${config.fullStaticUrl}/`;

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.onerror = reject;
    script.onload = resolve;
    script.async = true;
    document.head.appendChild(script);
    script.src = url;
  });
}

async function loadFederated(data) {
  await loadScript(`${config.fullLabextensionsUrl}/${data.name}/${data.load}`);
  await __webpack_init_sharing__('default');
  await window._JUPYTERLAB[data.name].init(__webpack_share_scopes__.default);
}

void (async () => {
  const results = await Promise.allSettled((config.federated_extensions || []).map(loadFederated));
  for (const r of results) if (r.status === 'rejected') console.error(r.reason);
  const { main } = await import('./index.js');
  await main(config);
})();
