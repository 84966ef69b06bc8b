// Wires the page: first load, the live event stream (rollout steps, node changes), and a
// slow poll for the nodes' request rates.
(() => {
  let pending = null;

  async function refreshCluster() {
    const [cluster, rollouts] = await Promise.all([api('GET', '/api/cluster'), api('GET', '/api/rollouts')]);
    if (cluster.status === 200) renderCluster(cluster.json);
    if (rollouts.status === 200) renderRollouts(rollouts.json);
  }

  function soon(alsoConfig) {
    if (alsoConfig) loadConfig(true);
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      refreshCluster();
    }, 100);
  }

  function connect() {
    const live = document.getElementById('live');
    const source = new EventSource('/api/events');
    source.onopen = () => {
      live.textContent = '● live';
      live.className = 'pill ok';
    };
    source.onerror = () => {
      live.textContent = '○ reconnecting';
      live.className = 'pill warn';
    };
    for (const name of ['step', 'rollout', 'node']) source.addEventListener(name, () => soon(false));
    source.addEventListener('config', () => soon(true));
  }

  document.addEventListener('DOMContentLoaded', async () => {
    await Promise.all([refreshCluster(), loadConfig(false)]);
    connect();
    setInterval(refreshCluster, 3000);
    // Below the fold and read from a node: after the first paint, then every 10 s.
    const refreshUsage = () => Promise.all([loadGovernance(), loadLogs()]);
    refreshUsage();
    setInterval(refreshUsage, 10_000);
  });
})();
