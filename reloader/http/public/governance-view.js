// The Governance section: each virtual key's, budget's and rate limit's usage against its
// limit as a bar, with the reset time, from GET /api/governance/usage (read from a node).
(() => {
  const KIND_UNIT = { requests: 'requests', tokens: 'tokens', cost_usd: 'USD' };
  const LEVEL = { virtual_key: 'key', team: 'team', customer: 'customer', provider_config: 'provider config' };

  function amount(value, kind) {
    return kind === 'cost_usd' ? `$${Number(value).toFixed(2)}` : Number(value).toLocaleString('en-US');
  }

  function resetText(entry) {
    if (!entry.resets_at) return `no use yet · window ${entry.reset_duration}`;
    const s = Math.max(0, Math.round((Date.parse(entry.resets_at) - Date.now()) / 1000));
    const left = s < 60 ? `${s}s` : s < 3600 ? `${Math.round(s / 60)} min` : `${Math.round(s / 360) / 10} h`;
    return `resets in ${left} · window ${entry.reset_duration}`;
  }

  // A usage bar: the width is set through the CSSOM, which the CSP allows (a style attribute it would not).
  function bar(entry) {
    const pct = entry.limit > 0 ? Math.min(100, (entry.used / entry.limit) * 100) : 0;
    const fill = h('span', { class: 'fill' });
    fill.style.width = `${pct.toFixed(1)}%`;
    const level = pct >= 100 ? 'bad' : pct >= 80 ? 'warn' : 'ok';
    return h(
      'div',
      { class: `bar ${level}`, role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': entry.limit, 'aria-valuenow': entry.used, 'data-pct': Math.round(pct) },
      fill,
    );
  }

  function counterRow(label, entry) {
    return h(
      'li',
      { class: 'usage', 'data-kind': entry.limit_kind },
      h(
        'div',
        { class: 'usage-head' },
        h('span', {}, label),
        h(
          'strong',
          {},
          `${amount(entry.used, entry.limit_kind)} / ${amount(entry.limit, entry.limit_kind)} ${entry.limit_kind === 'cost_usd' ? '' : KIND_UNIT[entry.limit_kind]}`,
        ),
      ),
      bar(entry),
      h('small', { class: 'muted' }, resetText(entry)),
    );
  }

  function keyCard(key) {
    return h(
      'article',
      { class: 'card vkey', 'data-key': key.id },
      h(
        'header',
        {},
        h('strong', {}, key.name),
        h('code', { class: 'muted' }, key.id),
        h('span', { class: `pill ${key.is_active ? 'ok' : 'warn'}` }, key.is_active ? 'active' : 'inactive'),
      ),
      key.team_id || key.customer_id ? h('p', { class: 'muted small' }, key.team_id ? `team ${key.team_id}` : `customer ${key.customer_id}`) : null,
      key.counters.length
        ? h(
            'ul',
            { class: 'usage-list' },
            key.counters.map((c) => counterRow(`${c.scope_kind === 'budget' ? 'budget' : `${c.limit_kind}`} · ${LEVEL[c.level] || c.level} ${c.level_id}`, c)),
          )
        : h('p', { class: 'muted small' }, 'no budget or rate limit'),
    );
  }

  function showNote(text, kind) {
    document.getElementById('governance-body').replaceChildren(h('p', { class: `note ${kind || ''}`, id: 'governance-note' }, text));
    document.getElementById('governance-summary').textContent = '';
  }

  window.loadGovernance = async function loadGovernance() {
    const { status, json } = await api('GET', '/api/governance/usage');
    const section = document.getElementById('governance');
    section.dataset.state = status === 200 ? 'enabled' : json.code === 'GOVERNANCE_NOT_ENABLED' ? 'disabled' : 'error';
    if (status !== 200) {
      showNote(json.error || `cannot read governance usage (${status})`, json.code === 'GOVERNANCE_NOT_ENABLED' ? '' : 'bad');
      return;
    }
    const report = json;
    const body = document.getElementById('governance-body');
    const limits = [
      ...report.budgets.map((b) => counterRow(`budget ${b.id}`, b)),
      ...report.rate_limits.flatMap((rl) => rl.counters.map((c) => counterRow(`rate limit ${rl.id} · ${c.limit_kind}`, c))),
    ];
    body.replaceChildren(
      h('p', { class: 'note bad', hidden: report.store !== 'down' }, 'the counter store is unreachable: figures may be stale'),
      h('h3', {}, 'Virtual keys'),
      report.virtual_keys.length ? h('div', { class: 'cards', id: 'vkeys' }, report.virtual_keys.map(keyCard)) : h('p', { class: 'muted' }, 'no virtual key'),
      h('h3', {}, 'Budgets and rate limits'),
      limits.length ? h('ul', { class: 'usage-list card', id: 'limits' }, limits) : h('p', { class: 'muted' }, 'no budget or rate limit'),
    );
    const near = [...body.querySelectorAll('#limits .bar')].filter((b) => Number(b.dataset.pct) >= 80).length;
    document.getElementById('governance-summary').textContent =
      `${report.virtual_keys.length} key(s) · ${report.budgets.length} budget(s) · ${report.rate_limits.length} rate limit(s)${near ? ` · ${near} near the limit` : ''}`;
  };
})();
