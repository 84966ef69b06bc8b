// Renders the nodes and the rollouts from GET /api/cluster and GET /api/rollouts.
(() => {
  const rateHistory = new Map();
  const PHASES = ['out-of-rotation', 'drained', 'drain-timeout', 'restarting', 'stopped', 'started', 'healthy', 'back-in-rotation', 'failed', 'only-node'];

  function fmt(value, unit, digits) {
    return value === null || value === undefined ? '—' : `${Number(value).toFixed(digits)}${unit}`;
  }

  function nodeCard(node, fileFp) {
    const m = node.metrics;
    // The last 40 samples (2 minutes at the page's 3 s poll) of rate and p99, kept in the page.
    const history = rateHistory.get(node.name) || { rate: [], p99: [] };
    if (m) {
      history.rate.push(m.requests_per_s);
      history.p99.push(m.p99_ms || 0);
      if (history.rate.length > 40) {
        history.rate.shift();
        history.p99.shift();
      }
      rateHistory.set(node.name, history);
    }
    const healthy = node.health === 'ok';
    const matches = node.fingerprint !== null && node.fingerprint === fileFp;
    return h(
      'article',
      { class: `card node ${healthy ? 'ok' : 'bad'}`, 'data-name': node.name, 'data-health': node.health },
      h(
        'header',
        {},
        h('span', { class: `dot ${healthy ? 'ok' : node.health === 'draining' ? 'warn' : 'bad'}`, 'aria-hidden': 'true' }),
        h('strong', {}, node.name),
        h('span', { class: 'muted' }, node.health),
        h('span', { class: `pill ${node.in_rotation ? 'ok' : 'warn'}` }, node.in_rotation ? 'in rotation' : 'out of rotation'),
      ),
      h(
        'div',
        { class: 'fp' },
        'config ',
        h('code', {}, shortFp(node.fingerprint)),
        ' ',
        h('span', { class: matches ? 'ok-text' : 'warn-text', 'data-matches': String(matches) }, matches ? '✓ the file’s' : '✗ not the file’s'),
      ),
      h(
        'dl',
        { class: 'figures' },
        h('div', {}, h('dt', {}, 'in flight'), h('dd', {}, node.in_flight ?? '—')),
        h('div', {}, h('dt', {}, 'req/s'), h('dd', {}, fmt(m?.requests_per_s, '', 1))),
        h('div', {}, h('dt', {}, 'errors'), h('dd', {}, m && m.error_rate !== null ? fmt(m.error_rate * 100, '%', 1) : '—')),
        h('div', {}, h('dt', {}, 'p50'), h('dd', {}, fmt(m?.p50_ms, ' ms', 0))),
        h('div', {}, h('dt', {}, 'p99'), h('dd', {}, fmt(m?.p99_ms, ' ms', 0))),
      ),
      h(
        'div',
        { class: 'charts' },
        h('div', {}, h('small', { class: 'muted' }, 'req/s'), sparkline(history.rate, `${node.name} requests per second`)),
        h('div', { class: 'p99' }, h('small', { class: 'muted' }, 'p99'), sparkline(history.p99, `${node.name} p99 latency`)),
      ),
    );
  }

  window.renderCluster = function renderCluster(cluster) {
    const list = document.getElementById('node-list');
    const fileFp = cluster.config.fingerprint;
    const nodes = cluster.nodes;
    list.replaceChildren(...(nodes.length ? nodes.map((n) => nodeCard(n, fileFp)) : [h('p', { class: 'muted' }, 'no gateway node found')]));
    const healthy = nodes.filter((n) => n.health === 'ok').length;
    const current = nodes.filter((n) => n.fingerprint === fileFp).length;
    document.getElementById('nodes-summary').textContent = `${healthy}/${nodes.length} healthy · ${current}/${nodes.length} on the file`;
    const note = document.getElementById('cluster-note');
    const notes = [];
    if (!cluster.docker.reachable) notes.push(`Docker API unreachable: ${cluster.docker.error || ''}`);
    if (cluster.waiting) notes.push(cluster.waiting);
    const manual = cluster.manual_rollout;
    if (manual) notes.push(`restart of every node requested ${ago(manual.requested_at)}: ${manual.pending.join(', ') || 'no node'} still to restart`);
    note.hidden = notes.length === 0;
    note.textContent = notes.join(' · ');
    const pill = document.getElementById('config-pill');
    pill.textContent = `config ${cluster.config.state}`;
    pill.className = `pill ${cluster.config.valid ? 'ok' : 'bad'}`;
    const access = document.getElementById('access');
    access.textContent = cluster.access.writable ? `signed in: ${cluster.access.who}` : 'read-only';
    access.className = `pill ${cluster.access.writable ? 'ok' : 'muted'}`;
  };

  function stepRow(step) {
    const seen = new Map(step.events.map((e) => [e.phase, e]));
    const chips = PHASES.filter((p) => seen.has(p)).map((p) =>
      h(
        'li',
        { class: `chip ${p === 'failed' ? 'bad' : p === 'back-in-rotation' ? 'ok' : ''}`, title: seen.get(p).message, 'data-phase': p },
        p.replace(/-/g, ' '),
        h('small', {}, `+${((Date.parse(seen.get(p).at) - Date.parse(step.started_at)) / 1000).toFixed(1)} s`),
      ),
    );
    return h(
      'div',
      { class: `step ${step.outcome}` },
      h(
        'div',
        { class: 'step-head' },
        h('strong', {}, step.node),
        h(
          'span',
          { class: 'muted' },
          ` ${step.position} · ${new Date(step.started_at).toLocaleTimeString()} · ${step.outcome}${step.duration_s !== undefined ? ` · ${step.duration_s} s` : ''}`,
        ),
      ),
      h('ol', { class: 'timeline' }, chips),
      step.error ? h('p', { class: 'bad-text' }, step.error) : null,
      step.log_tail?.length ? h('pre', { class: 'log-tail' }, step.log_tail.join('\n')) : null,
    );
  }

  function rolloutSummary(r) {
    return `#${r.id} ${r.outcome} · ${r.trigger} · ${r.steps.length} node(s)${r.duration_s !== undefined ? ` · ${r.duration_s} s` : ''} · ${ago(r.finished_at || r.started_at)} → ${shortFp(r.target_fingerprint)}`;
  }

  window.renderRollouts = function renderRollouts(data) {
    const current = document.getElementById('rollout-current');
    if (data.current) {
      current.replaceChildren(
        h(
          'div',
          { class: 'rollout live', 'data-id': data.current.id, id: 'rollout-status', 'data-outcome': 'running' },
          h(
            'p',
            {},
            h('span', { class: 'dot warn' }),
            h('strong', {}, ` Rolling to ${shortFp(data.current.target_fingerprint)}`),
            h('span', { class: 'muted' }, ` · ${data.current.trigger} · started ${ago(data.current.started_at)}`),
          ),
          data.current.steps.map(stepRow),
        ),
      );
    } else {
      const last = data.previous[0];
      current.replaceChildren(
        h(
          'p',
          { class: 'muted', id: 'rollout-status', 'data-outcome': last ? last.outcome : 'none', 'data-id': last ? last.id : '' },
          last ? `No rollout running. Last: ${rolloutSummary(last)}` : 'No rollout yet.',
        ),
      );
    }
    const halted = document.getElementById('halted');
    halted.hidden = !data.halted;
    if (data.halted) {
      const failedStep = data.previous.flatMap((r) => r.steps).find((s) => s.outcome === 'failed' && s.node === data.halted.node);
      halted.replaceChildren(
        h('strong', {}, `Rollout halted at ${data.halted.node}`),
        h('p', {}, data.halted.reason),
        failedStep?.log_tail ? h('pre', { class: 'log-tail' }, failedStep.log_tail.join('\n')) : null,
        h('p', { class: 'muted' }, 'The other nodes keep serving the last good config. A new valid edit (or POST /rollout) retries.'),
      );
    }
    const previous = document.getElementById('rollout-previous');
    previous.replaceChildren(
      ...(data.previous.length
        ? data.previous.map((r) =>
            h(
              'li',
              { class: `rollout ${r.outcome}`, 'data-id': r.id },
              h('details', {}, h('summary', {}, rolloutSummary(r), r.reason ? h('span', { class: 'bad-text' }, ` · ${r.reason}`) : null), r.steps.map(stepRow)),
            ),
          )
        : [h('li', { class: 'muted' }, 'none yet')]),
    );
  };
})();
