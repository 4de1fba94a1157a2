/// The graph view: stages as columns, variants as rows, a node spanning the rows of the variants that share it;
/// only the visible part is drawn, so 10,000 nodes cost what a screenful costs. Collapsed, each stage is one
/// cell with its nodes counted by state.
extension PageScript {
    static let graph = #"""
const G = { colW: 170, rowH: 26, headH: 28, leftW: 150, rects: [], cells: null, stageOf: [], cols: 0, rows: 0 };

function setupGraph() {
  const scroll = document.getElementById('graph-scroll');
  scroll.addEventListener('scroll', () => drawGraph());
  document.getElementById('graph-canvas').addEventListener('click', e => {
    const rect = e.target.getBoundingClientRect();
    const x = e.clientX - rect.left + scroll.scrollLeft, y = e.clientY - rect.top + scroll.scrollTop;
    const col = Math.floor((x - G.leftW) / G.colW), row = Math.floor((y - G.headH) / G.rowH);
    if (col < 0 || col >= G.cols || row < 0) return;
    if (S.collapsed) { if (row === 0) showStageList(col); return; }
    if (row >= G.rows) return;
    const i = G.cells[col * G.rows + row];
    if (i >= 0) showPanel(i);
  });
  layoutGraph();
}

/// Rectangles per node: one per run of consecutive variants the node belongs to.
function layoutGraph() {
  const stages = S.graph.stages, nv = Math.max(1, S.graph.variants.length);
  const stageIndex = new Map(stages.map((s, k) => [s, k]));
  G.cols = stages.length; G.rows = S.collapsed ? 1 : nv;
  G.cells = new Int32Array(G.cols * nv).fill(-1);
  G.rects = [];
  G.stageOf = S.graph.nodes.map(n => stageIndex.get(n.stage));
  S.graph.nodes.forEach((n, i) => {
    const col = G.stageOf[i];
    const vs = n.variants.length ? n.variants.slice().sort((a, b) => a - b) : [0];
    let start = vs[0], prev = vs[0];
    const flush = (a, b) => G.rects.push({ i, col, row0: a, row1: b });
    for (const v of vs.slice(1)) { if (v !== prev + 1) { flush(start, prev); start = v; } prev = v; }
    flush(start, prev);
    for (const v of vs) G.cells[col * nv + v] = i;
  });
  G.rects.sort((a, b) => a.row0 - b.row0);
  const spacer = document.querySelector('#graph-scroll .spacer');
  spacer.style.width = (G.leftW + G.cols * G.colW + 20) + 'px';
  spacer.style.height = (G.headH + G.rows * G.rowH + 20) + 'px';
}

function sizeCanvas(canvas, w, h) {
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.floor(w * dpr) || canvas.height !== Math.floor(h * dpr)) {
    canvas.width = Math.floor(w * dpr); canvas.height = Math.floor(h * dpr);
    canvas.style.width = w + 'px'; canvas.style.height = h + 'px';
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

function drawGraph() {
  if (!S.graph || S.view !== 'graph') return;
  const scroll = document.getElementById('graph-scroll');
  const w = scroll.clientWidth, h = scroll.clientHeight;
  const ctx = sizeCanvas(document.getElementById('graph-canvas'), w, h);
  const sx = scroll.scrollLeft, sy = scroll.scrollTop;
  ctx.clearRect(0, 0, w, h);
  ctx.font = '12px system-ui, sans-serif'; ctx.textBaseline = 'middle';
  if (S.collapsed) drawCollapsed(ctx, sx, sy, w, h); else drawExpanded(ctx, sx, sy, w, h);
  // Headers stay in view: stage names on top, variant names on the left.
  ctx.fillStyle = '#edf2f7'; ctx.fillRect(0, 0, w, G.headH);
  ctx.fillStyle = '#1a202c';
  S.graph.stages.forEach((stage, c) => {
    const x = G.leftW + c * G.colW - sx;
    if (x > w || x + G.colW < 0) return;
    ctx.fillText(clip(ctx, stage, G.colW - 8), x + 4, G.headH / 2);
  });
  ctx.fillStyle = '#edf2f7'; ctx.fillRect(0, G.headH, G.leftW, h);
  ctx.fillStyle = '#1a202c';
  if (S.collapsed) ctx.fillText(S.graph.variants.length + ' variants', 6, G.headH + G.rowH);
  else {
    const first = Math.max(0, Math.floor(sy / G.rowH)), last = Math.min(G.rows, Math.ceil((sy + h) / G.rowH) + 1);
    for (let r = first; r < last; r++) {
      const v = S.graph.variants[r];
      ctx.fillText(clip(ctx, v ? v.name : '', G.leftW - 8), 6, G.headH + r * G.rowH - sy + G.rowH / 2);
    }
  }
}

function clip(ctx, text, width) {
  if (ctx.measureText(text).width <= width) return text;
  let lo = 0, hi = text.length;
  while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (ctx.measureText(text.slice(0, mid) + '…').width <= width) lo = mid; else hi = mid - 1; }
  return text.slice(0, lo) + '…';
}

function nodeText(st) {
  if (st.status === 'running') {
    const r = rate(st);
    let t = st.total ? st.done + '/' + st.total : 'running';
    if (r && r.eta !== null) t += ' · ETA ' + fmtDuration(r.eta);
    return t;
  }
  let t = st.status;
  const d = duration(st);
  if (d !== null && st.status === 'succeeded') t += ' · ' + fmtDuration(d);
  if (st.attempts > 1) t += ' · ' + st.attempts + ' attempts';
  return t;
}

function drawExpanded(ctx, sx, sy, w, h) {
  const top = sy / G.rowH - 1, bottom = (sy + h) / G.rowH;
  const visible = [];
  // Rects are sorted by first row: binary search the first that could be visible.
  let lo = 0, hi = G.rects.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (G.rects[mid].row0 < top - 200) lo = mid + 1; else hi = mid; }
  for (let k = lo; k < G.rects.length; k++) {
    const r = G.rects[k];
    if (r.row0 > bottom) break;
    if (r.row1 < top) continue;
    visible.push(r);
  }
  const pos = new Map();
  for (const r of visible) if (!pos.has(r.i)) pos.set(r.i, r);
  ctx.strokeStyle = '#a0aec0'; ctx.lineWidth = 1;
  ctx.beginPath();
  for (const r of visible) {
    const yc = G.headH + ((r.row0 + r.row1 + 1) / 2) * G.rowH - sy;
    for (const p of S.graph.nodes[r.i].parents) {
      const pr = pos.get(p);
      const pc = G.stageOf[p];
      const py = pr ? G.headH + ((pr.row0 + pr.row1 + 1) / 2) * G.rowH - sy : yc;
      ctx.moveTo(G.leftW + pc * G.colW + G.colW - 10 - sx, py);
      ctx.lineTo(G.leftW + r.col * G.colW + 2 - sx, yc);
    }
  }
  ctx.stroke();
  for (const r of visible) {
    const st = S.nodes[r.i];
    const x = G.leftW + r.col * G.colW + 2 - sx, y = G.headH + r.row0 * G.rowH + 2 - sy;
    const bw = G.colW - 12, bh = (r.row1 - r.row0 + 1) * G.rowH - 4;
    ctx.fillStyle = STATUS_COLORS[st.status] || '#e2e8f0';
    ctx.fillRect(x, y, bw, bh);
    if (st.status === 'running' && st.total) {
      ctx.fillStyle = '#3182ce';
      ctx.fillRect(x, y + bh - 4, bw * Math.min(1, st.done / st.total), 4);
    }
    if (r.i === S.selected) { ctx.strokeStyle = '#1a202c'; ctx.lineWidth = 2; ctx.strokeRect(x, y, bw, bh); ctx.lineWidth = 1; }
    ctx.fillStyle = '#1a202c';
    ctx.fillText(clip(ctx, nodeText(st), bw - 8), x + 4, y + Math.min(bh, G.rowH - 4) / 2);
  }
}

function drawCollapsed(ctx, sx, sy, w, h) {
  const counts = S.graph.stages.map(() => ({}));
  S.graph.nodes.forEach((n, i) => { const c = counts[G.stageOf[i]]; const s = S.nodes[i].status; c[s] = (c[s] || 0) + 1; });
  counts.forEach((c, col) => {
    const x = G.leftW + col * G.colW + 2 - sx, y = G.headH + 2 - sy, bw = G.colW - 12, bh = G.rowH * 3;
    const total = Object.values(c).reduce((a, b) => a + b, 0);
    let offset = 0;
    for (const s of STATUS_ORDER) {
      if (!c[s]) continue;
      ctx.fillStyle = STATUS_COLORS[s]; ctx.fillRect(x + offset, y, bw * c[s] / total, bh);
      offset += bw * c[s] / total;
    }
    ctx.fillStyle = '#1a202c';
    STATUS_ORDER.filter(s => c[s]).slice(0, 4).forEach((s, k) => ctx.fillText(c[s] + ' ' + s, x + 4, y + 10 + k * 14));
  });
}

/// Collapsed stage clicked: its nodes, by state, in the side panel.
function showStageList(col) {
  const stage = S.graph.stages[col];
  const panel = document.getElementById('panel');
  clear(panel);
  panel.appendChild(el('h2', null, stage));
  const ids = [];
  S.graph.nodes.forEach((n, i) => { if (n.stage === stage) ids.push(i); });
  ids.sort((a, b) => STATUS_ORDER.indexOf(S.nodes[a].status) - STATUS_ORDER.indexOf(S.nodes[b].status));
  const table = el('table');
  for (const i of ids.slice(0, 500)) {
    const tr = el('tr', { class: 'clickable' });
    tr.appendChild(el('td', null, nodeLabel(i))); tr.appendChild(el('td', null, nodeText(S.nodes[i])));
    tr.addEventListener('click', () => showPanel(i));
    table.appendChild(tr);
  }
  panel.appendChild(table);
  if (ids.length > 500) panel.appendChild(el('p', { class: 'hint' }, (ids.length - 500) + ' more'));
}
"""#
}
