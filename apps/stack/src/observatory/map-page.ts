/** The live map: the page shell; its script (assets/map.js) draws the stack from `/api/events`. */
export function mapPage(title: string): string {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/uplot.css">
<link rel="stylesheet" href="/assets/map.css">
</head>
<body>
<header>
  <h1>${esc(title)}</h1>
  <span id="live" class="pill">connecting…</span>
  <span id="figures-at" class="muted"></span>
  <a id="prometheus-link" class="muted" hidden target="_blank" rel="noopener">Prometheus</a>
  <form id="auth-form" autocomplete="off">
    <span id="auth-state" class="muted">read-only</span>
    <input id="token" type="password" placeholder="admin token" aria-label="admin token">
    <button id="login" type="submit">Unlock actions</button>
    <button id="logout" type="button" hidden>Lock</button>
  </form>
</header>
<section id="controls">
  <form id="load-form" class="group">
    <strong>Load</strong>
    <select id="load-workload" aria-label="workload"><option value="shop">shop journeys</option><option value="get">GET /</option></select>
    <label>rate <input id="load-rate" type="number" min="1" value="50" step="any">/s</label>
    <label>for <input id="load-duration" type="number" min="1" max="3600" value="60">s</label>
    <button id="load-start" class="admin" type="submit">Start</button>
    <button id="load-stop" class="admin" type="button">Stop</button>
    <span id="load-status" class="muted">idle</span>
  </form>
  <div class="group">
    <strong>Web replicas</strong>
    <button id="scale-down" class="admin" type="button" aria-label="one replica fewer">−</button>
    <span id="web-count">–</span>
    <button id="scale-up" class="admin" type="button" aria-label="one replica more">+</button>
  </div>
  <div class="group"><button id="switchover" class="admin" type="button">Switch the MySQL writer</button></div>
</section>
<section id="autoscaler" class="group" hidden aria-label="the autoscaler"></section>
<main>
  <div id="map-wrap"><svg id="map" role="img" aria-label="the stack as a diagram"></svg></div>
  <aside id="panel"><p class="muted">Click an instance on the map for its figures and actions.</p></aside>
</main>
<section id="charts" aria-label="the last 15 minutes"></section>
<section>
  <table id="instances">
    <thead><tr><th>Instance</th><th>Service</th><th>Address</th><th>State</th><th>Req/s</th><th>p99</th><th>Errors</th><th>In flight</th><th>Tier</th></tr></thead>
    <tbody><tr><td colspan="9">loading…</td></tr></tbody>
  </table>
</section>
<div id="toast" role="status" aria-live="polite"></div>
<script src="/assets/uplot.js"></script>
<script src="/assets/map.js"></script>
<script src="/assets/autoscaler.js"></script>
</body>
</html>
`;
}
