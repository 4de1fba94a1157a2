/// The timeline: one bar per started node from start to finish (running bars grow with the clock), the critical
/// path — the chain of parents that ended last before each node on the way to the last node to finish — outlined.
extension PageScript {
    static let timeline = #"""
const T = { rowH: 18, leftW: 220, headH: 24 };

function setupTimeline() {
  document.getElementById('timeline-scroll').addEventListener('scroll', () => drawTimeline());
  document.getElementById('timeline-canvas').addEventListener('click', e => {
    const scroll = document.getElementById('timeline-scroll');
    const rect = e.target.getBoundingClientRect();
    const row = Math.floor((e.clientY - rect.top + scroll.scrollTop - T.headH) / T.rowH);
    if (T.order && row >= 0 && row < T.order.length) showPanel(T.order[row]);
  });
}

function endOf(st, now) { return st.status === 'running' || !st.finished ? now : st.finished; }

/// Node positions on the critical path (empty until something started).
function criticalPath(now) {
  let last = -1, lastEnd = -Infinity;
  S.nodes.forEach((st, i) => { if (st.started && endOf(st, now) > lastEnd) { lastEnd = endOf(st, now); last = i; } });
  const path = new Set();
  while (last >= 0 && !path.has(last)) {
    path.add(last);
    let next = -1, nextEnd = -Infinity;
    for (const p of S.graph.nodes[last].parents) {
      const st = S.nodes[p];
      if (st.started && endOf(st, now) > nextEnd) { nextEnd = endOf(st, now); next = p; }
    }
    last = next;
  }
  return path;
}

function drawTimeline() {
  if (!S.graph || S.view !== 'timeline') return;
  const now = nowSeconds();
  const order = [];
  S.nodes.forEach((st, i) => { if (st.started) order.push(i); });
  order.sort((a, b) => S.nodes[a].started - S.nodes[b].started);
  T.order = order;
  const scroll = document.getElementById('timeline-scroll');
  const spacer = scroll.querySelector('.spacer');
  spacer.style.height = (T.headH + order.length * T.rowH + 20) + 'px';
  const w = scroll.clientWidth, h = scroll.clientHeight, sy = scroll.scrollTop;
  const ctx = sizeCanvas(document.getElementById('timeline-canvas'), w, h);
  ctx.clearRect(0, 0, w, h);
  ctx.font = '11px system-ui, sans-serif'; ctx.textBaseline = 'middle';
  if (!order.length) { ctx.fillStyle = '#718096'; ctx.fillText('Nothing has started yet.', 10, 20); return; }
  const t0 = Math.min(...order.map(i => S.nodes[i].started));
  let t1 = t0 + 1;
  for (const i of order) t1 = Math.max(t1, endOf(S.nodes[i], now));
  const span = t1 - t0, plotW = Math.max(50, w - T.leftW - 20);
  const x = t => T.leftW + (t - t0) / span * plotW;
  const critical = criticalPath(now);
  const first = Math.max(0, Math.floor(sy / T.rowH) - 1), last = Math.min(order.length, Math.ceil((sy + h) / T.rowH) + 1);
  for (let r = first; r < last; r++) {
    const i = order[r], st = S.nodes[i];
    const y = T.headH + r * T.rowH - sy;
    ctx.fillStyle = '#1a202c';
    ctx.fillText(clip(ctx, nodeLabel(i), T.leftW - 8), 4, y + T.rowH / 2);
    const xa = x(st.started), xb = Math.max(xa + 2, x(endOf(st, now)));
    ctx.fillStyle = STATUS_COLORS[st.status] || '#cbd5e0';
    ctx.fillRect(xa, y + 3, xb - xa, T.rowH - 6);
    if (critical.has(i)) { ctx.strokeStyle = '#c53030'; ctx.lineWidth = 2; ctx.strokeRect(xa, y + 3, xb - xa, T.rowH - 6); }
  }
  ctx.fillStyle = '#edf2f7'; ctx.fillRect(0, 0, w, T.headH);
  ctx.fillStyle = '#1a202c';
  ctx.fillText('0 s', T.leftW, T.headH / 2);
  ctx.textAlign = 'right'; ctx.fillText(fmtDuration(span), T.leftW + plotW, T.headH / 2); ctx.textAlign = 'left';
  ctx.fillText('critical path outlined in red', 4, T.headH / 2);
}
"""#
}
