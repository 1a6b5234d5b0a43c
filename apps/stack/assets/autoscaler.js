// The live map's autoscaler panel: current and desired web replicas, why, and the recent changes and
// decisions, from /api/autoscaler every 2 s. Hidden when the stack runs without --autoscale.
(function () {
  'use strict';
  const box = document.querySelector('#autoscaler');
  if (!box) return;
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  const time = (iso) => new Date(iso).toLocaleTimeString();

  function render(s) {
    box.hidden = !s.enabled;
    if (!s.enabled) return;
    const c = s.config;
    const metrics = c.metrics.map((m) => `${m.name} ${m.target}${m.name === 'p99' ? ' ms' : ''}`).join(', ');
    const last = s.decisions[0];
    const applying = s.applying ? ` <span class="pill">applying ${s.applying.from} → ${s.applying.to}</span>` : '';
    const predicted = last && last.predicted !== null ? ` · predictive ${last.predicted}` : '';
    box.innerHTML =
      `<strong>Autoscaler</strong> <span id="autoscaler-current" data-current="${s.current}" data-desired="${s.desired}">` +
      `${s.current} → ${s.desired}</span> web replicas (${c.minReplicas}..${c.maxReplicas} on ${esc(metrics)}, sync ${c.syncPeriodSeconds}s)${applying}` +
      `<div class="muted" id="autoscaler-why">${esc(s.why || 'no sync yet')}${last && last.plain !== null ? ` · plain ${last.plain}` : ''}${predicted} · ready ${s.ready} · reversals ${s.directionChanges}</div>` +
      `<ol id="autoscaler-changes">${s.changes
        .slice(0, 5)
        .map((x) => `<li>${time(x.at)} ${x.from} → ${x.to} <em>${esc(x.result)}</em>${x.durationMs !== undefined ? ` in ${(x.durationMs / 1000).toFixed(1)} s` : ''}: ${esc(x.summary)}</li>`)
        .join('')}</ol>`;
  }

  async function poll() {
    try {
      const res = await fetch('/api/autoscaler?limit=5', { credentials: 'same-origin' });
      if (res.ok) render(await res.json());
    } catch {
      // the control server is restarting: try again on the next round
    }
    setTimeout(poll, 2000);
  }
  poll();
})();
