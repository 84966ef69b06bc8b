// The Request log section: the latest requests from GET /api/logs (read from a node), with
// filters for provider, model and status, and paging.
(() => {
  const $ = (id) => document.getElementById(id);
  const LIMIT = 25;
  let offset = 0;

  function query() {
    const params = new URLSearchParams({ limit: String(LIMIT), offset: String(offset) });
    for (const [name, id] of [
      ['providers', 'log-provider'],
      ['models', 'log-model'],
      ['status', 'log-status'],
    ]) {
      const value = $(id).value.trim();
      if (value) params.set(name, value);
    }
    return params.toString();
  }

  function row(entry) {
    const tokens = entry.token_usage?.total_tokens;
    const ok = entry.status === 'success';
    return h(
      'tr',
      { 'data-id': entry.id, 'data-status': entry.status },
      h('td', { title: entry.timestamp }, new Date(entry.timestamp).toLocaleTimeString()),
      h('td', {}, entry.node),
      h('td', {}, h('span', { class: 'muted' }, `${entry.provider}/`), entry.model),
      h('td', {}, h('span', { class: `pill ${ok ? 'ok' : 'bad'}`, title: entry.error_details?.message || '' }, `${entry.http_status} ${entry.status}`)),
      h('td', { class: 'num' }, `${Math.round(entry.latency)} ms`),
      h('td', { class: 'num' }, tokens === null || tokens === undefined ? '—' : tokens.toLocaleString('en-US')),
      h('td', { class: 'num' }, entry.cost === null || entry.cost === undefined ? '—' : `$${entry.cost.toFixed(4)}`),
    );
  }

  function show(enabled, note, kind) {
    $('log-controls').hidden = !enabled;
    const el = $('logs-note');
    el.hidden = !note;
    el.textContent = note || '';
    el.className = `note ${kind || ''}`;
  }

  window.loadLogs = async function loadLogs() {
    const { status, json } = await api('GET', `/api/logs?${query()}`);
    const section = $('logs');
    section.dataset.state = status === 200 ? 'enabled' : json.code === 'REQUEST_LOG_NOT_ENABLED' ? 'disabled' : 'error';
    if (status !== 200) {
      // A refused filter keeps the controls, to fix it; a log that is off or unreachable hides them.
      show(json.code === 'BAD_REQUEST', json.error || `cannot read the request log (${status})`, json.code === 'REQUEST_LOG_NOT_ENABLED' ? '' : 'bad');
      $('logs-summary').textContent = '';
      return;
    }
    show(true);
    const { logs, pagination, stats } = json;
    $('log-rows').replaceChildren(...(logs.length ? logs.map(row) : [h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'no request matches'))]));
    const total = pagination.total_count;
    $('log-page').textContent = total ? `${pagination.offset + 1}–${pagination.offset + logs.length} of ${total.toLocaleString('en-US')}` : '0 of 0';
    $('log-newer').disabled = pagination.offset === 0;
    $('log-older').disabled = pagination.offset + logs.length >= total;
    $('logs-summary').textContent =
      `${stats.total_requests.toLocaleString('en-US')} request(s) · ${stats.success_rate}% ok · avg ${Math.round(stats.average_latency)} ms · ` +
      `${stats.total_tokens.toLocaleString('en-US')} tokens · $${stats.total_cost.toFixed(2)}`;
  };

  document.addEventListener('DOMContentLoaded', () => {
    // form-action 'none' in the CSP: the form never submits, Enter and Apply filter in place.
    $('log-filters').addEventListener('submit', (event) => {
      event.preventDefault();
      offset = 0;
      loadLogs();
    });
    $('log-status').addEventListener('change', () => {
      offset = 0;
      loadLogs();
    });
    $('log-newer').addEventListener('click', () => {
      offset = Math.max(0, offset - LIMIT);
      loadLogs();
    });
    $('log-older').addEventListener('click', () => {
      offset += LIMIT;
      loadLogs();
    });
  });
})();
