// The config section: the file's verdict, the editor with validation as you type, the diff
// against the file, apply (PUT with If-Match), and the history with one-click rollback.
(() => {
  const $ = (id) => document.getElementById(id);
  let loaded = null;
  let verdict = null;
  let timer = null;
  let validating = 0;

  async function api(method, path, body, extraHeaders) {
    const headers = Object.assign({ accept: 'application/json' }, extraHeaders || {});
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
    let json = null;
    try {
      json = await response.json();
    } catch (_e) {
      json = null;
    }
    return { status: response.status, json: json || {} };
  }
  window.api = api;

  function issueItems(issues) {
    // The schema's messages often begin with the path already: show it once.
    const text = (i) => (i.message.startsWith(`${i.path} `) ? i.message.slice(i.path.length + 1) : i.message);
    return issues.map((i) =>
      h('li', {}, h('code', {}, i.path), ' ', text(i), i.line ? h('span', { class: 'muted' }, ` (line ${i.line}, column ${i.column})`) : null),
    );
  }

  function dirty() {
    return loaded !== null && $('editor').value !== loaded.text;
  }

  function refreshButtons() {
    const changed = dirty();
    $('revert').disabled = !changed;
    $('show-diff').disabled = !changed;
    $('apply').disabled = !(changed && loaded.writable && verdict?.valid && validating === 0);
    if (!changed) {
      $('validation').textContent = 'unchanged';
      $('validation').className = 'state muted';
      $('issues').hidden = true;
    }
  }

  function showResult(text, kind) {
    const el = $('apply-result');
    el.hidden = false;
    el.textContent = text;
    el.className = `note ${kind || ''}`;
  }

  window.loadConfig = async function loadConfig(keepEditor) {
    const { status, json } = await api('GET', '/api/config');
    if (status !== 200) {
      $('config-state').textContent = json.error || `cannot read the config (${status})`;
      return;
    }
    // While an edit is under way, the text it started from stays the base: its fingerprint
    // goes in If-Match, so a file changed meanwhile answers 412 instead of being overwritten.
    if (keepEditor && dirty()) {
      if (json.fingerprint !== loaded.fingerprint) {
        showResult(
          'The file changed on disk while you were editing (by hand or in another tab). Applying now will be refused; press Revert to load the new file.',
          'bad',
        );
      }
      return;
    }
    loaded = json;
    $('config-path').textContent = json.path;
    $('config-state').replaceChildren(
      json.valid
        ? h('span', { class: 'ok-text', 'data-valid': 'true' }, `✓ valid · ${shortFp(json.fingerprint)}`)
        : h('span', { class: 'bad-text', 'data-valid': 'false' }, `✗ invalid (${json.issues.length} issue(s)): the nodes keep the last good config`),
    );
    $('config-issues').hidden = json.issues.length === 0;
    $('config-issues').replaceChildren(...issueItems(json.issues));
    $('readonly-note').hidden = json.writable;
    $('readonly-note').textContent =
      'Read-only: no admin credentials are configured. Set governance.auth_config.admin_username and admin_password in config.json (or RELOADER_ADMIN_TOKEN for the reloader) to edit here.';
    $('editor').value = json.text;
    verdict = { valid: json.valid, issues: json.issues };
    $('diff-box').hidden = true;
    $('apply').textContent = 'Apply';
    $('editor').readOnly = !json.writable;
    refreshButtons();
    await loadHistory();
  };

  async function validateNow() {
    const text = $('editor').value;
    validating++;
    $('validation').textContent = 'checking…';
    $('validation').className = 'state muted';
    refreshButtons();
    const { status, json } = await api('POST', '/api/config/validate', { text });
    validating--;
    if (text !== $('editor').value) return refreshButtons();
    if (status !== 200) {
      verdict = null;
      $('validation').textContent = json.error || `cannot validate (${status})`;
      return refreshButtons();
    }
    verdict = json;
    $('validation').textContent = json.valid ? '✓ valid' : `✗ ${json.issues.length} issue(s)`;
    $('validation').className = `state ${json.valid ? 'ok-text' : 'bad-text'}`;
    $('issues').hidden = json.valid;
    $('issues').replaceChildren(...issueItems(json.issues));
    if (!$('diff-box').hidden) showDiff();
    refreshButtons();
  }

  function showDiff() {
    const lines = lineDiff(loaded.text, $('editor').value);
    $('diff').replaceChildren(...lines.map((l) => h('span', { class: l.kind === '+' ? 'add' : l.kind === '-' ? 'del' : 'same' }, `${l.kind} ${l.line}\n`)));
    $('diff-box').hidden = false;
  }

  async function apply() {
    if ($('diff-box').hidden) {
      showDiff();
      $('apply').textContent = 'Apply these changes';
      return;
    }
    $('apply').disabled = true;
    const { status, json } = await api('PUT', '/api/config', { text: $('editor').value }, { 'if-match': `"${loaded.fingerprint}"` });
    $('apply').textContent = 'Apply';
    if (status === 200) {
      showResult(
        json.unchanged
          ? 'The file already holds this config.'
          : `Written as version ${json.version} (${shortFp(json.fingerprint)}). The nodes restart one at a time: follow it under Rollouts.`,
        'ok',
      );
      await loadConfig(false);
      location.hash = '#rollouts';
    } else if (status === 412) {
      showResult(
        'The file changed since you loaded it (edited by hand or in another tab). Your text is kept here: copy your change, press Revert to load the file, and reapply.',
        'bad',
      );
    } else if (status === 400 && json.issues) {
      $('issues').hidden = false;
      $('issues').replaceChildren(...issueItems(json.issues));
      showResult(json.error, 'bad');
    } else {
      showResult(json.error || `failed (${status})`, 'bad');
    }
    refreshButtons();
  }

  async function loadHistory() {
    const { status, json } = await api('GET', '/api/config/history');
    if (status !== 200) return;
    const body = $('history').tBodies[0];
    if (!json.versions.length) return;
    body.replaceChildren(
      ...json.versions.map((v) => {
        const current = loaded && v.fingerprint === loaded.fingerprint;
        return h(
          'tr',
          { 'data-version': v.version },
          h('td', {}, `v${v.version}`, h('small', { class: 'muted' }, ` ${v.via}${v.restored_version ? ` of v${v.restored_version}` : ''}`)),
          h('td', { title: v.time }, ago(v.time)),
          h('td', {}, v.author),
          h('td', {}, h('code', {}, shortFp(v.fingerprint))),
          h(
            'td',
            {},
            current
              ? h('span', { class: 'pill ok' }, 'current')
              : h('button', { type: 'button', class: 'rollback', disabled: !loaded?.writable, onclick: () => rollback(v.version) }, 'Roll back'),
          ),
        );
      }),
    );
  }

  async function rollback(version) {
    // As Apply: the file the page shows goes in If-Match, so an edit made since (by hand or in
    // another tab) is refused (412) rather than silently replaced by the older version.
    const { status, json } = await api('POST', `/api/config/rollback/${version}`, {}, { 'if-match': `"${loaded.fingerprint}"` });
    if (status === 200) showResult(`Rolled back to version ${version}, written as version ${json.version}. The nodes restart one at a time.`, 'ok');
    else if (status === 412)
      showResult(
        `Not rolled back: the file changed since the page loaded it (edited by hand or in another tab). The page now shows the file as it is; roll back to version ${version} again if you still want to.`,
        'bad',
      );
    else showResult(json.error || `rollback failed (${status})`, 'bad');
    await loadConfig(false);
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('editor').addEventListener('input', () => {
      refreshButtons();
      clearTimeout(timer);
      if (dirty()) timer = setTimeout(validateNow, 250);
    });
    $('revert').addEventListener('click', () => loadConfig(false));
    $('show-diff').addEventListener('click', showDiff);
    $('apply').addEventListener('click', apply);
  });
})();
