/**
 * The dashboard page: one self-contained HTML document (no build step), updated live from `/events`
 * (server-sent events). Everything it shows is rendered as text (textContent), never as HTML.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fleetbot</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f5f6f8; }
  body { margin: 0; padding: 1.5rem; }
  h1 { margin: 0 0 .25rem; font-size: 1.4rem; }
  h2 { font-size: 1rem; margin: 1.5rem 0 .5rem; }
  #status { color: #5b6474; font-size: .9rem; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(28rem, 1fr)); gap: 1rem; }
  section { background: #fff; border-radius: 8px; padding: 1rem; box-shadow: 0 1px 2px rgba(0,0,0,.08); min-width: 0; overflow-x: auto; }
  /* The members' table, with its actions, takes the whole width: it must never run under the next section. */
  section.wide { grid-column: 1 / -1; }
  table { width: 100%; border-collapse: collapse; font-size: .9rem; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #eceef2; }
  th { color: #5b6474; font-weight: 600; }
  .dot { display: inline-block; width: .7rem; height: .7rem; border-radius: 50%; margin-right: .4rem; vertical-align: middle; }
  .health-healthy .dot { background: #2ecc71; }
  .health-starting .dot { background: #3498db; }
  .health-unhealthy .dot { background: #e67e22; }
  .health-down .dot { background: #e74c3c; }
  .health-down, .health-unhealthy { background: #fff5f4; }
  ul { margin: 0; padding-left: 1.1rem; font-size: .9rem; }
  li { margin: .2rem 0; }
  .muted { color: #8a93a3; }
  .badge { display: inline-block; margin: 0 .3rem .2rem 0; padding: 0 .35rem; border-radius: 4px; background: #eef0f4; color: #5b6474; font-size: .8rem; }
  td.actions { white-space: nowrap; }
  td.actions input { width: 3.5rem; margin-left: .3rem; }
  a { color: #2563eb; }
</style>
</head>
<body>
<h1>fleetbot</h1>
<div id="status">connecting…</div>
<div id="notice" role="status"></div>
<div class="grid">
  <section class="wide"><h2>Members</h2>
    <table><thead><tr><th>member</th><th>state</th><th>uptime</th><th>restarts</th><th>ping</th><th>last error</th><th>alerts · healing</th><th></th></tr></thead>
    <tbody id="members"></tbody></table></section>
  <section><h2>Queues <a href="queues" class="muted">(inspect)</a></h2>
    <table><thead><tr><th>queue</th><th>waiting</th><th>active</th><th>failed</th><th>done/min</th><th>failed/min</th></tr></thead>
    <tbody id="queues"></tbody></table></section>
  <section><h2>Latest arbitrage findings</h2><ul id="findings"></ul></section>
  <section><h2>Healing</h2><ul id="healing"></ul></section>
  <section><h2>Audit trail</h2><ul id="audit"></ul></section>
  <section><h2>Agents</h2><ul id="agents"></ul></section>
</div>
<script>
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; };
  const fill = (id, nodes) => document.getElementById(id).replaceChildren(...nodes);
  const ago = (ms) => ms < 1000 ? 'now' : ms < 60000 ? Math.round(ms / 1000) + ' s' : ms < 3600000 ? Math.round(ms / 60000) + ' min' : Math.round(ms / 3600000) + ' h';
  const time = (at) => new Date(at).toLocaleTimeString();
  const item = (text, empty) => el('li', text, empty ? 'muted' : undefined);
  // Actions on a member's row: the server says which this person's permission allows (me.actions), and its dispatcher
  // decides again on each click — asks for a confirmation, checks, runs and audits.
  let me;
  let last;
  fetch('api/me').then((r) => (r.ok ? r.json() : null)).then((v) => { me = v; window.fleetbotMe = v; if (last) render(last); }, () => {});
  const notice = (text) => { document.getElementById('notice').textContent = text; };
  const post = async (path, body) => {
    const r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}) });
    return r.json().catch(() => ({ refused: { text: 'HTTP ' + r.status } }));
  };
  async function act(member, action, body) {
    let out = await post('api/members/' + encodeURIComponent(member) + '/' + action, body);
    if (out.confirmation) {
      const yes = window.confirm(out.confirmation.question);
      out = await post('api/confirmations/' + encodeURIComponent(out.confirmation.id), { answer: yes ? 'confirm' : 'cancel' });
      if (!yes) return notice(action + ' ' + member + ' cancelled');
    }
    notice(out.reply ? out.reply.text : out.refused ? out.refused.text : 'answered already');
  }
  function actions(m, silenced, paused) {
    const controls = [];
    const may = (action) => Boolean(me && Array.isArray(me.actions) && me.actions.includes(action));
    const offer = (action, label, input, read) => {
      if (!may(action)) return;
      if (input) { input.dataset.input = action; controls.push(input); }
      const b = el('button', label);
      b.dataset.action = action;
      // One request at a time from a button: a double click must not ask twice.
      b.onclick = async () => {
        b.disabled = true;
        try { await act(m.name, action, read ? read() : undefined); } finally { b.disabled = false; }
      };
      controls.push(b);
    };
    if (m.state === 'running') { offer('restart', 'restart'); offer('stop', 'stop'); } else offer('start', 'start');
    if (silenced) offer('unsilence', 'unsilence');
    else {
      const duration = Object.assign(el('input'), { type: 'text', size: 4, value: '1h', title: 'silence for (1m to 7d)' });
      offer('silence', 'silence', duration, () => ({ duration: duration.value.trim() }));
    }
    offer(paused ? 'heal-resume' : 'heal-pause', paused ? 'resume healing' : 'pause healing');
    // Only a backend that runs replicas (swarm) reports them, and only there can a member be scaled.
    if (m.replicas) {
      const replicas = Object.assign(el('input'), { type: 'number', min: 0, step: 1, value: String(m.replicas.desired), title: 'replicas' });
      offer('scale', 'scale', replicas, () => ({ replicas: replicas.value === '' ? undefined : Number(replicas.value) }));
    }
    return controls;
  }
  // One row per member, kept across updates and changed in place: a field being typed in keeps its text and focus,
  // and a click is not lost to a row rebuilt between the press and the release. Its buttons are rebuilt only when
  // what they offer changes.
  const rows = new Map();
  function memberRow(m, silence, pause) {
    let r = rows.get(m.name);
    if (!r) {
      const row = el('tr');
      row.dataset.member = m.name;
      const name = el('td');
      name.append(el('span', undefined, 'dot'), el('span', m.name));
      const cells = { state: el('td'), uptime: el('td'), restarts: el('td', undefined, 'restarts'), ping: el('td'), reason: el('td'), care: el('td'), actions: el('td', undefined, 'actions') };
      row.append(name, ...Object.values(cells));
      r = { row, cells, offered: undefined };
      rows.set(m.name, r);
    }
    const { row, cells } = r;
    row.className = 'health-' + m.health;
    row.dataset.health = m.health;
    row.dataset.restarts = String(m.restarts);
    row.dataset.silenced = String(Boolean(silence));
    row.dataset.heal = pause ? 'paused' : 'on';
    if (m.replicas) row.dataset.replicas = m.replicas.running + '/' + m.replicas.desired; else delete row.dataset.replicas;
    cells.state.textContent = m.state + ' · ' + m.health + (m.replicas ? ' · ' + m.replicas.running + '/' + m.replicas.desired + ' replicas' : '');
    cells.uptime.textContent = m.uptimeMs === undefined ? '-' : ago(m.uptimeMs);
    cells.restarts.textContent = String(m.restarts);
    cells.ping.textContent = m.pingMs === undefined ? '-' : m.pingMs + ' ms';
    cells.reason.textContent = m.reason || '';
    cells.care.replaceChildren(...[
      silence && el('span', 'silenced until ' + time(silence.until) + ' by ' + silence.by, 'badge silenced'),
      pause && el('span', 'healing paused: ' + pause.detail, 'badge heal-paused'),
    ].filter(Boolean));
    const offered = JSON.stringify([m.state === 'running', Boolean(silence), Boolean(pause), m.replicas ? m.replicas.desired : null, me ? me.actions : null]);
    if (offered !== r.offered) { r.offered = offered; cells.actions.replaceChildren(...actions(m, Boolean(silence), Boolean(pause))); }
    return row;
  }
  function render(s) {
    const age = s.statusAt === undefined ? undefined : s.at - s.statusAt;
    document.getElementById('status').textContent = 'updated ' + time(s.at) + (age === undefined ? ' · no member status yet' : age < 1000 ? ' · member status current' : ' · member status from ' + ago(age) + ' ago');
    const silences = s.silences || [];
    const paused = s.healPaused || {};
    const shown = s.members.map((m) => memberRow(m, silences.find((x) => x.member === m.name), Object.prototype.hasOwnProperty.call(paused, m.name) ? paused[m.name] : undefined));
    for (const name of [...rows.keys()]) if (!s.members.some((m) => m.name === name)) rows.delete(name);
    const body = document.getElementById('members');
    if (shown.length !== body.children.length || shown.some((row, i) => body.children[i] !== row)) body.replaceChildren(...shown);
    fill('queues', s.queues.map((q) => {
      const row = el('tr');
      const failed = el('td');
      if (q.failed > 0) { const a = el('a', q.failed); a.href = 'queues/queue/' + encodeURIComponent(q.name) + '?status=failed'; failed.append(a); } else failed.textContent = '0';
      row.append(el('td', q.name), el('td', q.waiting), el('td', q.active), failed, el('td', q.completedPerMinute), el('td', q.failedPerMinute));
      return row;
    }));
    fill('findings', s.findings && s.findings.lines.length ? s.findings.lines.map((f) => item(f.text)) : [item(s.findings ? 'nothing profitable in block ' + s.findings.block : 'no scan yet', true)]);
    fill('healing', s.healing.length ? s.healing.map((h) => item(time(h.at) + ' ' + h.detail)) : [item('nothing healed yet', true)]);
    fill('audit', s.audit.length ? s.audit.map((a) => item(time(a.at) + ' ' + a.user.name + ' /' + a.command + ' ' + Object.values(a.args).join(' ') + ' (' + a.via + ') — ' + a.outcome + ': ' + a.detail)) : [item('no changes yet', true)]);
    fill('agents', s.agents.length ? s.agents.map((a) => item(a.name + ' on ' + a.host + ':' + a.pid + ' — ' + (a.alive ? 'alive' : 'silent') + ', ' + a.jobsDone + ' done')) : [item('no agent has reported', true)]);
  }
  const events = new EventSource('events');
  events.onmessage = (e) => { last = JSON.parse(e.data); render(last); };
  events.onerror = () => { document.getElementById('status').textContent = 'connection lost — retrying…'; };
  window.fleetbotLoadedAt = Date.now();
</script>
</body>
</html>
`;
