/// The page's script: state, the event stream, header and side panel. Values from the store only ever go through
/// `textContent` (`el`, `setText`) or canvas `fillText`.
enum PageScript {
    static let core = #"""
'use strict';
const STATUS_COLORS = { 'not run': '#cbd5e0', pending: '#e2e8f0', running: '#63b3ed', succeeded: '#68d391',
  failed: '#fc8181', blocked: '#f6ad55', cancelled: '#b794f4' };
const STATUS_ORDER = ['running', 'failed', 'blocked', 'cancelled', 'pending', 'not run', 'succeeded'];
const S = { graph: null, nodes: [], events: [], metrics: new Map(), checkpoints: {}, jobs: [], usage: [], owner: null,
  seq: -1, view: 'graph', selected: -1, collapsed: false, firstSeen: new Map(), dirty: true,
  stats: { firstDraw: null, snapshotApplied: null, lastApplyMs: 0, lastApplyNodes: 0, maxApplyMs: 0, applies: 0,
           draws: 0, lastDrawMs: 0, errors: [] } };
window.lemaUI = S;

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  if (attrs) for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
function setText(id, text) { document.getElementById(id).textContent = text; }
function fmtTime(t) { return t ? new Date(t * 1000).toLocaleTimeString() : ''; }
function fmtDuration(s) {
  if (s === null || s === undefined || !isFinite(s)) return '';
  if (s < 60) return s.toFixed(1) + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' m ' + Math.round(s % 60) + ' s';
  return Math.floor(s / 3600) + ' h ' + Math.round((s % 3600) / 60) + ' m';
}
function nowSeconds() { return Date.now() / 1000; }
function nodeLabel(i) {
  const n = S.graph.nodes[i];
  const vs = n.variants.length === S.graph.variants.length && S.graph.variants.length > 1 ? 'all variants'
    : n.variants.map(v => S.graph.variants[v].name).join(', ');
  return n.stage + ' [' + vs + ']';
}
function duration(st) {
  if (!st || !st.started) return null;
  return (st.finished && st.status !== 'running' ? st.finished : nowSeconds()) - st.started;
}
/// Items per second and seconds left, from the node's start and items done.
function rate(st) {
  if (!st || st.status !== 'running' || !st.started || !st.done) return null;
  const elapsed = Math.max(0.001, nowSeconds() - st.started);
  const perSecond = st.done / elapsed;
  const eta = st.total ? Math.max(0, (st.total - st.done) / perSecond) : null;
  return { perSecond, eta };
}

function applySnapshot(doc) {
  S.nodes = S.graph.nodes.map((_, i) => ({ i, status: 'not run' }));
  S.events = []; S.metrics = new Map(); S.checkpoints = {}; S.jobs = []; S.usage = []; S.owner = null;
  clear(document.getElementById('log'));  // a reconnect sends the whole tail again
  applyDelta(doc);
  S.stats.snapshotApplied = performance.now();
  if (S.stats.firstDraw === null) S.stats.firstDraw = performance.now();
}

function applyDelta(doc) {
  const t0 = performance.now();
  S.seq = doc.seq;
  let touchedEvaluation = false, touchedSelected = false;
  if (doc.nodes) for (const n of doc.nodes) {
    S.nodes[n.i] = n;
    if (S.graph.nodes[n.i].kind === 'evaluate') touchedEvaluation = true;
    if (n.i === S.selected) touchedSelected = true;
  }
  if (doc.events) {
    for (const e of doc.events) S.events.push(e);
    if (S.events.length > 5000) S.events.splice(0, S.events.length - 5000);
    appendLog(doc.events);
    if (doc.events.some(e => e.i === S.selected)) touchedSelected = true;
  }
  if (doc.metrics) for (const m of doc.metrics) S.metrics.set(m.i + '|' + m.name + '|' + m.step, m);
  if (doc.checkpoints) S.checkpoints = doc.checkpoints;
  if (doc.jobs) S.jobs = doc.jobs;
  if (doc.usage) S.usage = doc.usage;
  if ('owner' in doc) S.owner = doc.owner;
  renderHeader();
  drawView(doc);
  if (touchedSelected) refreshPanelSoon();
  if (touchedEvaluation && S.view === 'sweep') refreshSweepSoon();
  const ms = performance.now() - t0;
  S.stats.lastApplyMs = ms; S.stats.lastApplyNodes = doc.nodes ? doc.nodes.length : 0;
  S.stats.maxApplyMs = Math.max(S.stats.maxApplyMs, ms); S.stats.applies++;
}

function renderHeader() {
  setText('pipeline', S.graph.pipeline);
  const counts = {};
  for (const n of S.nodes) counts[n.status] = (counts[n.status] || 0) + 1;
  const parts = STATUS_ORDER.filter(s => counts[s]).map(s => counts[s] + ' ' + s);
  setText('counts', S.graph.nodes.length + ' nodes · ' + S.graph.variants.length + ' variant'
    + (S.graph.variants.length === 1 ? '' : 's') + ' — ' + parts.join(', '));
  const owner = document.getElementById('owner');
  const o = S.owner;
  owner.className = 'owner' + (o ? ' ' + o.state : '');
  if (!o) owner.textContent = 'no run in progress';
  else if (o.state === 'alive') owner.textContent = 'run by pid ' + o.pid + ' since ' + fmtTime(o.since) + ' (alive)';
  else if (o.state === 'exiting') owner.textContent = 'owner pid ' + o.pid + ' is exiting';
  else owner.textContent = 'owner pid ' + o.pid + ' is dead — the next lema run takes over';
}

function drawView(doc) {
  const t0 = performance.now();
  if (S.view === 'graph') drawGraph();
  else if (S.view === 'timeline') drawTimeline();
  else if (S.view === 'curves') drawCurves();
  else if (S.view === 'items') renderItems();
  else if (S.view === 'cost') renderCost();
  S.stats.lastDrawMs = performance.now() - t0; S.stats.draws++;
}

function showView(view) {
  S.view = view;
  for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('active', b.dataset.view === view);
  for (const s of document.querySelectorAll('.view')) s.classList.toggle('active', s.id === 'view-' + view);
  if (view === 'sweep') refreshSweep();
  drawView(null);
}

let panelTimer = null;
function refreshPanelSoon() { if (!panelTimer) panelTimer = setTimeout(() => { panelTimer = null; showPanel(S.selected); }, 500); }

async function showPanel(i) {
  if (i < 0) return;
  S.selected = i;
  const response = await fetch('/api/node/' + i);
  if (!response.ok) return;
  const d = await response.json();
  if (S.selected !== i) return;
  const panel = document.getElementById('panel');
  clear(panel);
  panel.appendChild(el('h2', { id: 'panel-title' }, nodeLabel(i)));
  const st = d.state;
  const r = rate(st);
  const facts = [['state', st.status], ['fingerprint', d.id.slice(0, 12)], ['kind', d.kind],
    ['attempts', st.attempts || 0], ['items', st.total ? st.done + '/' + st.total : (st.done || '')],
    ['items/s', r ? r.perSecond.toFixed(2) : ''], ['ETA', r && r.eta !== null ? fmtDuration(r.eta) : ''],
    ['duration', fmtDuration(duration(st))], ['ledger items', d.ledger_items], ['note', st.note || ''],
    ['reason', st.reason || ''], ['plan', d.plan || '']];
  const table = el('table');
  for (const [k, v] of facts) {
    if (v === '' || v === null || v === undefined) continue;
    const tr = el('tr'); tr.appendChild(el('th', null, k)); tr.appendChild(el('td', { id: 'panel-' + k.replace(/[^a-z]/g, '') }, v));
    table.appendChild(tr);
  }
  panel.appendChild(table);
  panel.appendChild(el('h3', null, 'Why (lema why)'));
  panel.appendChild(el('pre', { id: 'panel-why' }, d.why));
  if (d.error_text) { panel.appendChild(el('h3', null, 'Error')); panel.appendChild(el('pre', { id: 'panel-error' }, d.error_text)); }
  panel.appendChild(el('h3', null, 'Parameters'));
  panel.appendChild(keyValues(d.params));
  if (Object.keys(d.artifacts).length) { panel.appendChild(el('h3', null, 'Artifacts')); panel.appendChild(keyValues(d.artifacts)); }
  if (Object.keys(d.summary).length) { panel.appendChild(el('h3', null, 'Summary (counters)')); panel.appendChild(keyValues(d.summary)); }
  for (const job of d.jobs) {
    panel.appendChild(el('h3', null, 'Cluster job ' + (job.job_id || '(submitting)') + ' — attempt ' + job.attempt));
    panel.appendChild(el('p', null, job.state + (job.reason ? ': ' + job.reason : '')));
    if (job.stdout !== null) { panel.appendChild(el('div', { class: 'hint' }, 'stdout (tail)')); panel.appendChild(el('pre', null, job.stdout)); }
    if (job.stderr !== null) { panel.appendChild(el('div', { class: 'hint' }, 'stderr (tail)')); panel.appendChild(el('pre', null, job.stderr)); }
  }
  for (const [name, text] of [['stdout.txt', d.stdout], ['stderr.txt', d.stderr]]) {
    if (text) { panel.appendChild(el('h3', null, name + ' (tail)')); panel.appendChild(el('pre', null, text)); }
  }
  if (d.events.length) {
    panel.appendChild(el('h3', null, 'Events'));
    panel.appendChild(el('pre', { class: 'log' }, d.events.map(e => fmtTime(e.at) + ' ' + e.kind + ': ' + e.message).join('\n')));
  }
  if (S.view === 'items') filterLog(i);
}

function keyValues(object) {
  const table = el('table');
  for (const k of Object.keys(object).sort()) {
    const v = object[k];
    const tr = el('tr'); tr.appendChild(el('th', null, k));
    tr.appendChild(el('td', null, typeof v === 'string' ? v : JSON.stringify(v)));
    table.appendChild(tr);
  }
  return table;
}

let source = null;
function connect() {
  source = new EventSource('/api/stream');
  source.addEventListener('snapshot', e => { applySnapshot(JSON.parse(e.data)); setText('connection', 'live'); });
  source.addEventListener('delta', e => applyDelta(JSON.parse(e.data)));
  source.onerror = () => setText('connection', 'reconnecting…');
}

async function start() {
  const response = await fetch('/api/graph');
  S.graph = await response.json();
  S.nodes = S.graph.nodes.map((_, i) => ({ i, status: 'not run' }));
  S.collapsed = S.graph.variants.length > 40;
  document.getElementById('collapse').checked = S.collapsed;
  document.getElementById('collapse').addEventListener('change', e => { S.collapsed = e.target.checked; layoutGraph(); drawView(null); });
  for (const b of document.querySelectorAll('#tabs button')) b.addEventListener('click', () => showView(b.dataset.view));
  document.getElementById('log-all').addEventListener('click', () => filterLog(-1));
  setupGraph(); setupTimeline();
  window.addEventListener('resize', () => drawView(null));
  setInterval(() => { if (S.nodes.some(n => n.status === 'running')) drawView(null); }, 1000);
  renderHeader();
  connect();
}
window.addEventListener('error', e => S.stats.errors.push(String(e.message)));
start();
"""#
}
