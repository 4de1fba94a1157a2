/// Sweep table, loss curves, items and log tail, endpoint cost and cluster jobs.
extension PageScript {
    static let tables = #"""
let sweepTimer = null;
function refreshSweepSoon() { if (!sweepTimer) sweepTimer = setTimeout(() => { sweepTimer = null; refreshSweep(); }, 500); }

async function refreshSweep() {
  const response = await fetch('/api/sweep');
  if (!response.ok) return;
  const d = await response.json();
  const table = document.getElementById('sweep-table');
  clear(table);
  const stages = [];
  for (const row of d.rows) for (const e of row.evaluations) if (!stages.includes(e.stage)) stages.push(e.stage);
  const head = el('tr');
  head.appendChild(el('th', null, 'variant'));
  for (const k of d.differing) head.appendChild(el('th', null, k));
  for (const s of stages) head.appendChild(el('th', null, s + ' pass@1 (95% CI)'));
  table.appendChild(head);
  for (const row of d.rows) {
    const tr = el('tr');
    tr.appendChild(el('td', null, row.variant));
    for (const k of d.differing) { const v = row.params[k]; tr.appendChild(el('td', null, typeof v === 'string' ? v : JSON.stringify(v))); }
    for (const s of stages) {
      const e = row.evaluations.find(x => x.stage === s);
      const td = el('td', { class: 'num pass' });
      if (e && e.pass_at_1) {
        td.appendChild(el('span', { class: 'value' }, e.pass_at_1));
        if (e.provisional) { td.classList.add('provisional'); td.appendChild(el('span', null, ' (' + e.provisional + ')')); }
        if (e.mean_over_seeds) td.appendChild(el('div', { class: 'seeds' }, 'mean over seeds ' + e.mean_over_seeds));
        if (e.vs_baseline) td.appendChild(el('div', { class: 'vs-baseline' }, e.vs_baseline));
      } else td.textContent = e ? e.status : '';
      tr.appendChild(td);
    }
    table.appendChild(tr);
  }
  const paired = document.getElementById('sweep-baseline');
  clear(paired);
  if (!d.baseline) return;
  paired.appendChild(el('caption', null, 'Across seeds, paired with the baseline (stage ' + d.baseline.report_stage + ')'));
  const ph = el('tr');
  for (const h of d.baseline.header) ph.appendChild(el('th', null, h));
  paired.appendChild(ph);
  for (const cells of d.baseline.cells) {
    const tr = el('tr');
    cells.forEach((c, i) => tr.appendChild(el('td', i > 0 ? { class: 'num' } : null, c)));
    paired.appendChild(tr);
  }
}

const PALETTE = ['#2b6cb0', '#c05621', '#2f855a', '#6b46c1', '#b83280', '#2c7a7b', '#975a16', '#4a5568'];
function drawCurves() {
  if (!S.graph) return;
  const canvas = document.getElementById('curves-canvas');
  const w = canvas.clientWidth || 600, h = canvas.clientHeight || 300;
  const ctx = sizeCanvas(canvas, w, h);
  ctx.clearRect(0, 0, w, h);
  const series = new Map();
  for (const m of S.metrics.values()) {
    if (m.name !== 'loss') continue;
    if (!series.has(m.i)) series.set(m.i, []);
    series.get(m.i).push(m);
  }
  const legend = document.getElementById('curves-legend');
  clear(legend);
  if (!series.size) { ctx.fillStyle = '#718096'; ctx.font = '12px system-ui'; ctx.fillText('No training loss recorded yet.', 10, 20); return; }
  let maxStep = 1, lo = Infinity, hi = -Infinity;
  for (const pts of series.values()) {
    pts.sort((a, b) => a.step - b.step);
    for (const p of pts) { maxStep = Math.max(maxStep, p.step); lo = Math.min(lo, p.value); hi = Math.max(hi, p.value); }
  }
  if (hi === lo) hi = lo + 1;
  const L = 50, R = 10, Tp = 10, B = 24;
  const x = s => L + s / maxStep * (w - L - R), y = v => Tp + (hi - v) / (hi - lo) * (h - Tp - B);
  ctx.strokeStyle = '#a0aec0'; ctx.beginPath(); ctx.moveTo(L, Tp); ctx.lineTo(L, h - B); ctx.lineTo(w - R, h - B); ctx.stroke();
  ctx.fillStyle = '#4a5568'; ctx.font = '11px system-ui';
  ctx.fillText(hi.toFixed(3), 2, Tp + 6); ctx.fillText(lo.toFixed(3), 2, h - B); ctx.fillText('step ' + maxStep, w - R - 60, h - 8);
  // Checkpoints chosen by evaluations: train node position -> step (or 'model' = last step).
  const selected = new Map();
  S.graph.nodes.forEach((n, i) => {
    const sel = S.nodes[i].selected;
    if (n.model === null || n.model === undefined || !sel) return;
    const m = /^ckpt_0*(\d+)$/.exec(sel);
    selected.set(n.model, m ? Number(m[1]) : 'model');
  });
  let k = 0;
  for (const [i, pts] of series) {
    const color = PALETTE[k++ % PALETTE.length];
    ctx.strokeStyle = color; ctx.lineWidth = 1.5; ctx.beginPath();
    pts.forEach((p, j) => { if (j) ctx.lineTo(x(p.step), y(p.value)); else ctx.moveTo(x(p.step), y(p.value)); });
    ctx.stroke();
    const near = step => pts.reduce((best, p) => Math.abs(p.step - step) < Math.abs(best.step - step) ? p : best, pts[0]);
    ctx.fillStyle = color;
    for (const step of (S.checkpoints[String(i)] || [])) { const p = near(step); ctx.fillRect(x(step) - 3, y(p.value) - 3, 6, 6); }
    let note = '';
    if (selected.has(i)) {
      const sel = selected.get(i), step = sel === 'model' ? pts[pts.length - 1].step : sel, p = near(step);
      ctx.lineWidth = 2; ctx.beginPath(); ctx.arc(x(step), y(p.value), 7, 0, 2 * Math.PI); ctx.stroke();
      note = ' — evaluation selected ' + (sel === 'model' ? 'the final model' : 'step ' + sel);
    }
    const item = el('span', { class: 'legend-item' });
    const sw = el('span', { class: 'swatch' }); sw.style.background = color;
    item.appendChild(sw); item.appendChild(document.createTextNode(nodeLabel(i) + ': ' + pts.length + ' points, last '
      + pts[pts.length - 1].value.toFixed(4) + note));
    legend.appendChild(item);
  }
  legend.appendChild(el('div', { class: 'hint' }, 'squares: checkpoints; ring: the checkpoint evaluation selected'));
}

function renderItems() {
  const table = document.getElementById('items-table');
  clear(table);
  const head = el('tr');
  for (const h of ['stage', 'state', 'items', 'items/s', 'ETA', 'duration', 'note']) head.appendChild(el('th', null, h));
  table.appendChild(head);
  const order = S.nodes.map((_, i) => i);
  order.sort((a, b) => STATUS_ORDER.indexOf(S.nodes[a].status) - STATUS_ORDER.indexOf(S.nodes[b].status) || a - b);
  for (const i of order.slice(0, 300)) {
    const st = S.nodes[i], r = rate(st);
    const tr = el('tr', { class: 'clickable' });
    tr.appendChild(el('td', null, nodeLabel(i))); tr.appendChild(el('td', null, st.status));
    tr.appendChild(el('td', { class: 'num' }, st.total ? st.done + '/' + st.total : (st.done || '')));
    tr.appendChild(el('td', { class: 'num' }, r ? r.perSecond.toFixed(2) : ''));
    tr.appendChild(el('td', { class: 'num' }, r && r.eta !== null ? fmtDuration(r.eta) : ''));
    tr.appendChild(el('td', { class: 'num' }, fmtDuration(duration(st))));
    tr.appendChild(el('td', null, st.error || st.note || ''));
    tr.addEventListener('click', () => showPanel(i));
    table.appendChild(tr);
  }
}

let logFilter = -1;
function logLine(e) {
  const stage = e.i === null || e.i === undefined ? 'run' : nodeLabel(e.i);
  return el('div', { class: 'line' }, fmtTime(e.at) + ' [' + stage + '] ' + e.kind + ': ' + e.message);
}
/// Appends lines; follows the tail only when the reader was at the bottom (scrolling up stops it).
function appendLog(events) {
  const log = document.getElementById('log');
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 4;
  for (const e of events) if (logFilter < 0 || e.i === logFilter) log.appendChild(logLine(e));
  while (log.childNodes.length > 5000) log.removeChild(log.firstChild);
  if (atBottom) log.scrollTop = log.scrollHeight;
}
function filterLog(i) {
  logFilter = i;
  setText('log-title', i < 0 ? 'log (all nodes)' : 'log of ' + nodeLabel(i));
  const log = document.getElementById('log');
  clear(log);
  appendLog(S.events);
  log.scrollTop = log.scrollHeight;
}

function renderCost() {
  const table = document.getElementById('cost-table');
  clear(table);
  const head = el('tr');
  for (const h of ['stage', 'endpoint model', 'responses', 'prompt tokens', 'completion tokens', 'est. cost']) head.appendChild(el('th', null, h));
  table.appendChild(head);
  let total = 0;
  for (const u of S.usage) {
    const tr = el('tr');
    tr.appendChild(el('td', null, nodeLabel(u.i))); tr.appendChild(el('td', null, u.model));
    for (const v of [u.responses, u.prompt_tokens, u.completion_tokens]) tr.appendChild(el('td', { class: 'num' }, v));
    tr.appendChild(el('td', { class: 'num' }, u.cost === null ? '' : '$' + u.cost.toFixed(4)));
    if (u.cost) total += u.cost;
    table.appendChild(tr);
  }
  if (!S.usage.length) table.appendChild(el('tr')).appendChild(el('td', { colspan: '6', class: 'hint' }, 'No endpoint calls.'));
  else if (total) table.appendChild(el('tr')).appendChild(el('td', { colspan: '6' }, 'estimated total: $' + total.toFixed(4)));
  const jobs = document.getElementById('jobs-table');
  clear(jobs);
  const jh = el('tr');
  for (const h of ['stage', 'attempt', 'job id', 'state', 'reason', 'submitted', 'elapsed']) jh.appendChild(el('th', null, h));
  jobs.appendChild(jh);
  for (const j of S.jobs) {
    const tr = el('tr', { class: 'clickable' });
    for (const v of [nodeLabel(j.i), j.attempt, j.job_id || '(submitting)', j.state, j.reason || '', fmtTime(j.submitted),
      fmtDuration((j.ended || nowSeconds()) - j.submitted)]) tr.appendChild(el('td', null, v));
    tr.addEventListener('click', () => showPanel(j.i));
    jobs.appendChild(tr);
  }
  if (!S.jobs.length) jobs.appendChild(el('tr')).appendChild(el('td', { colspan: '7', class: 'hint' }, 'No cluster jobs (local executor).'));
}
"""#
}
