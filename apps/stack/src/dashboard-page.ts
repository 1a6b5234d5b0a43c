/** The stack dashboard: one page that polls `/api/instances` and shows every instance. */
export function dashboardPage(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d2433; background: #f7f8fa; }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
  p.sub { margin: 0 0 1.5rem; color: #5b6475; }
  table { border-collapse: collapse; background: #fff; box-shadow: 0 1px 2px #0001; min-width: 48rem; }
  th, td { text-align: left; padding: .45rem .9rem; border-bottom: 1px solid #e8eaef; font-variant-numeric: tabular-nums; }
  th { background: #eef0f4; font-weight: 600; }
  .ok { color: #127a3a; font-weight: 600; } .bad { color: #b42318; font-weight: 600; } .warn { color: #a15c07; font-weight: 600; }
  code { font-family: ui-monospace, monospace; }
  tr.group td { background: #fafbfc; font-weight: 600; color: #5b6475; }
</style>
</head>
<body>
<h1>${title}</h1>
<p class="sub">Every instance of the local stack. Refreshes every 2 s. CLI: <code>npm run scaleout -- status</code>, <code>kill|pause|resume|restart &lt;instance&gt;</code>, <code>scale web=N</code>.</p>
<table>
  <thead><tr><th>Instance</th><th>Service</th><th>Address</th><th>PID</th><th>State</th><th>Healthy</th><th>Restarts</th></tr></thead>
  <tbody id="rows"><tr><td colspan="7">loading…</td></tr></tbody>
</table>
<p class="sub" id="updated"></p>
<script>
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
async function refresh() {
  try {
    const res = await fetch('/api/instances');
    const rows = await res.json();
    let html = '', last = '';
    for (const r of rows) {
      if (r.service !== last) { html += '<tr class="group"><td colspan="7">' + esc(r.service) + '</td></tr>'; last = r.service; }
      const st = r.state === 'running' ? 'ok' : r.state === 'paused' || r.state === 'starting' ? 'warn' : 'bad';
      html += '<tr><td>' + esc(r.name) + '</td><td>' + esc(r.service) + '</td><td><code>' + esc(r.address) + '</code></td><td>' +
        (r.pid ?? '-') + '</td><td class="' + st + '">' + esc(r.state) + '</td><td class="' + (r.healthy ? 'ok' : 'bad') + '">' +
        (r.healthy ? 'yes' : 'no') + '</td><td>' + (r.restarts ?? 0) + '</td></tr>';
    }
    document.getElementById('rows').innerHTML = html;
    document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    document.getElementById('updated').textContent = 'stack not reachable: ' + e;
  }
}
refresh(); setInterval(refresh, 2000);
</script>
</body>
</html>
`;
}
