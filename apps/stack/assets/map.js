// The live map of the stack: draws the instances as the architecture's diagram from the figures the
// control server pushes over SSE (/api/events) once a second, with charts of the last 15 minutes and
// the actions an operator needs (kill, pause, resume, restart, drain, scale, switchover, load runs).
(function () {
  'use strict';
  const $ = (sel) => document.querySelector(sel);
  const SVG = 'http://www.w3.org/2000/svg';
  const NODE_W = 150;
  const NODE_H = 62;
  const COLS = { client: 30, dns: 215, lb: 215, web: 415, session: 615, 'db-proxy': 615, mc: 815, db: 815 };
  const state = { figures: null, authorized: false, selected: null, charts: [], history: [] };

  // ---- formatting ----
  const fmtRate = (r) => (r >= 100 ? Math.round(r).toString() : r >= 10 ? r.toFixed(1) : r >= 0.05 ? r.toFixed(2) : '0');
  const fmtMs = (v) => (v === null || v === undefined ? '–' : v >= 100 ? Math.round(v) + ' ms' : v.toFixed(1) + ' ms');
  const fmtPct = (v) => (v === null || v === undefined ? '–' : (v * 100).toFixed(v > 0 && v < 0.01 ? 2 : 1) + '%');

  // Kiali's thresholds: 5xx share ≥ 0.1% degraded, ≥ 10% failing.
  function health(i) {
    if (['killed', 'crashed', 'failed', 'stopped'].includes(i.state)) return 'bad';
    if (i.state === 'paused' || i.state === 'starting') return 'warn';
    if (!i.healthy) return 'bad';
    if (i.errorRate >= 0.1) return 'bad';
    if (i.errorRate >= 0.001) return 'warn';
    return 'ok';
  }

  function el(name, attrs, parent) {
    const e = document.createElementNS(SVG, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function text(parent, x, y, s, cls) {
    const t = el('text', { x, y, class: cls || '' }, parent);
    t.textContent = s;
    return t;
  }

  function toast(message, isError) {
    const t = $('#toast');
    t.textContent = message;
    t.className = 'show' + (isError ? ' error' : '');
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => (t.className = ''), isError ? 6000 : 3000);
  }

  async function api(method, path, body) {
    const res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let json = null;
    try {
      json = await res.json();
    } catch (e) {
      json = null;
    }
    if (!res.ok) throw new Error((json && json.message) || 'HTTP ' + res.status);
    return json;
  }
  async function act(label, method, path, body) {
    try {
      await api(method, path, body);
      toast(label + ': done');
    } catch (err) {
      toast(label + ': ' + err.message, true);
    }
  }

  // ---- layout ----
  function layout(f) {
    const pos = new Map();
    const byService = (s) => f.instances.filter((i) => i.service === s);
    const columns = [
      ['dns', 'lb'],
      ['web'],
      ['session', 'db-proxy'],
      ['mc', 'db'],
    ];
    let height = 0;
    const placed = [];
    for (const services of columns) {
      let y = 20;
      for (const s of services) {
        const list = byService(s);
        if (list.length && y > 20) y += 28;
        for (const i of list) {
          placed.push([i.name, COLS[s], y]);
          y += NODE_H + 18;
        }
      }
      height = Math.max(height, y);
    }
    // centre each column vertically
    const colHeight = new Map();
    for (const [, x, y] of placed) colHeight.set(x, Math.max(colHeight.get(x) || 0, y + NODE_H));
    for (const [name, x, y] of placed) pos.set(name, { x, y: y + (height - 20 - (colHeight.get(x) || 0)) / 2 + 10 });
    pos.set('client', { x: COLS.client, y: height / 2 - NODE_H / 2 });
    const sessions = byService('session').map((i) => pos.get(i.name));
    if (sessions.length) {
      const top = Math.min(...sessions.map((p) => p.y)) - 14;
      const bottom = Math.max(...sessions.map((p) => p.y)) + NODE_H + 8;
      pos.set('session', { x: COLS.session - 8, y: top, h: bottom - top, group: true });
    }
    return { pos, height: height + 20 };
  }

  function anchor(p, side) {
    if (p.group) return { x: side === 'left' ? p.x : p.x + NODE_W + 16, y: p.y + p.h / 2 };
    return { x: side === 'left' ? p.x : p.x + NODE_W, y: p.y + NODE_H / 2 };
  }

  function tierLine(i) {
    const d = i.detail || {};
    switch (i.service) {
      case 'lb':
        return 'queue ' + (d.queue ?? '–') + ' · up ' + (d.serversUp ?? '–') + (d.pageCacheHitRatio !== null && d.pageCacheHitRatio !== undefined ? ' · page hit ' + fmtPct(d.pageCacheHitRatio) : '') + (d.panic ? ' · PANIC' : '');
      case 'web':
        return 'cache hit ' + fmtPct(d.cacheHitRatio) + ' · db ' + fmtRate(d.dbQps || 0) + '/s';
      case 'session': {
        const ring = Object.keys(d).filter((k) => k.startsWith('ring ')).map((k) => k.slice(5) + ' ' + d[k]);
        return ring.join(' · ') || 'ring –';
      }
      case 'db-proxy':
        return 'reads→replica ' + fmtPct(d.readerShare) + ' · ' + (d.writer ? 'writer ' + d.writer : 'no writer');
      case 'db':
        return (d.writer ? 'WRITER' : 'replica') + ' · lag ' + (d.lagSeconds === null || d.lagSeconds === undefined ? '–' : d.lagSeconds + ' s');
      case 'dns':
        return 'fail-open ' + fmtRate(d.failOpen || 0) + '/s';
      case 'mc':
        return i.healthy ? 'memcached' : 'not answering';
      default:
        return '';
    }
  }

  function draw(f) {
    const svg = $('#map');
    const { pos, height } = layout(f);
    svg.setAttribute('viewBox', '0 0 1040 ' + height);
    svg.replaceChildren();
    const edgesLayer = el('g', { id: 'edges' }, svg);
    const nodesLayer = el('g', { id: 'nodes' }, svg);
    const g = pos.get('session');
    if (g) {
      el('rect', { class: 'group-box', x: g.x, y: g.y, width: NODE_W + 16, height: g.h }, nodesLayer);
      text(nodesLayer, g.x + 8, g.y + g.h + 12, 'session service', 'group-label');
    }
    const maxRps = Math.max(1, ...f.edges.map((e) => e.rps));
    for (const e of f.edges) {
      const a = pos.get(e.from);
      const b = pos.get(e.to);
      if (!a || !b) continue;
      const grp = el('g', { class: 'edge ' + e.kind, 'data-edge': e.id, 'data-rps': e.rps.toFixed(3), 'data-error-rate': e.errorRate.toFixed(4) }, edgesLayer);
      let d;
      let lx;
      let ly;
      if (e.kind === 'replication') {
        const s = anchor(a, 'right');
        const t = anchor(b, 'right');
        const off = e.from < e.to ? 34 : 54;
        d = 'M' + s.x + ',' + s.y + ' C' + (s.x + off) + ',' + s.y + ' ' + (t.x + off) + ',' + t.y + ' ' + t.x + ',' + t.y;
        lx = s.x + off * 0.78;
        ly = (s.y + t.y) / 2 + (e.from < e.to ? -6 : 10);
        el('path', { d }, grp).setAttribute('stroke-width', '1.5');
        text(grp, lx - 6, ly, 'lag ' + (e.lagSeconds === null || e.lagSeconds === undefined ? '–' : e.lagSeconds + 's'));
        continue;
      }
      const s = anchor(a, 'right');
      const t = anchor(b, 'left');
      const mx = (s.x + t.x) / 2;
      d = 'M' + s.x + ',' + s.y + ' C' + mx + ',' + s.y + ' ' + mx + ',' + t.y + ' ' + t.x + ',' + t.y;
      const width = e.rps < 0.05 ? 1.2 : 1.5 + 5 * Math.sqrt(e.rps / maxRps);
      if (e.rps < 0.05) grp.classList.add('zero');
      if (e.errorRate >= 0.01) grp.classList.add('err');
      el('path', { d, 'stroke-width': width.toFixed(2) }, grp);
      lx = s.x + (t.x - s.x) * 0.62;
      ly = s.y + (t.y - s.y) * 0.62 - 4;
      text(grp, lx, ly, fmtRate(e.rps) + '/s' + (e.errorRate >= 0.001 ? ' ' + fmtPct(e.errorRate) + ' err' : ''));
    }
    const client = pos.get('client');
    const cg = el('g', { class: 'node idle', id: 'node-client' }, nodesLayer);
    el('rect', { x: client.x, y: client.y, width: NODE_W - 30, height: NODE_H }, cg);
    text(cg, client.x + 10, client.y + 22, 'clients', 'title');
    text(cg, client.x + 10, client.y + 42, fmtRate(f.headline.rps) + ' req/s', 'sub');
    for (const i of f.instances) {
      const p = pos.get(i.name);
      if (!p) continue;
      const h = health(i);
      const grp = el('g', {
        class: 'node ' + h + (state.selected === i.name ? ' selected' : ''),
        id: 'node-' + i.name,
        'data-name': i.name,
        'data-service': i.service,
        'data-state': i.state,
        'data-health': h,
        'data-rps': i.rps.toFixed(3),
        tabindex: '0',
      }, nodesLayer);
      el('rect', { x: p.x, y: p.y, width: NODE_W, height: NODE_H }, grp);
      text(grp, p.x + 10, p.y + 18, i.name, 'title');
      text(grp, p.x + 10, p.y + 35, fmtRate(i.rps) + '/s · p99 ' + fmtMs(i.p99Ms) + (i.errorRate >= 0.001 ? ' · ' + fmtPct(i.errorRate) : ''), 'sub');
      text(grp, p.x + 10, p.y + 52, tierLine(i), 'sub');
      if (i.state !== 'running') {
        const label = i.state.toUpperCase();
        const bw = 8 + label.length * 6.4;
        el('rect', { class: 'badge-bg', x: p.x + NODE_W - bw - 6, y: p.y + 6, width: bw, height: 15, rx: 4 }, grp);
        text(grp, p.x + NODE_W - bw - 2, p.y + 17, label, 'badge');
      }
      grp.addEventListener('click', () => select(i.name));
      grp.addEventListener('keydown', (ev) => ev.key === 'Enter' && select(i.name));
    }
  }

  // ---- side panel ----
  function select(name) {
    state.selected = name;
    if (state.figures) {
      draw(state.figures);
      panel(state.figures);
    }
  }

  function panel(f) {
    const box = $('#panel');
    const i = f.instances.find((x) => x.name === state.selected);
    if (!i) return;
    box.replaceChildren();
    const h2 = document.createElement('h2');
    h2.textContent = i.name + ' (' + i.service + ')';
    box.appendChild(h2);
    const dl = document.createElement('dl');
    const row = (k, v) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      dd.setAttribute('data-figure', k);
      dl.append(dt, dd);
    };
    row('address', i.address);
    row('state', i.state + (i.healthy ? ', healthy' : ', not healthy'));
    row('req/s', fmtRate(i.rps));
    row('p99', fmtMs(i.p99Ms));
    row('errors', fmtPct(i.errorRate));
    row('in flight', i.inFlight === null ? '–' : String(i.inFlight));
    for (const [k, v] of Object.entries(i.detail || {})) row(k, v === null ? '–' : typeof v === 'number' ? (k.includes('Ratio') || k.includes('Share') ? fmtPct(v) : fmtRate(v)) : String(v));
    box.appendChild(dl);
    const actions = document.createElement('div');
    actions.className = 'actions';
    const button = (label, action, fn, danger) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = label;
      b.className = 'admin' + (danger ? ' danger' : '');
      b.dataset.action = action;
      b.disabled = !state.authorized;
      b.addEventListener('click', fn);
      actions.appendChild(b);
    };
    const inst = (action) => () => act(action + ' ' + i.name, 'POST', '/api/instances/' + encodeURIComponent(i.name) + '/' + action);
    button('Kill -9', 'kill', inst('kill'), true);
    button('Pause', 'pause', inst('pause'));
    button('Resume', 'resume', inst('resume'));
    button('Restart', 'restart', inst('restart'));
    if (i.service === 'web') {
      button('Drain at LBs', 'drain', () => act('drain ' + i.name, 'POST', '/api/lb/servers/' + encodeURIComponent(i.name) + '/state', { state: 'drain' }));
      button('Ready at LBs', 'ready', () => act('ready ' + i.name, 'POST', '/api/lb/servers/' + encodeURIComponent(i.name) + '/state', { state: 'ready' }));
    }
    if (i.service === 'db' && !(i.detail && i.detail.writer)) {
      button('Make writer', 'switchover', () => act('switchover to ' + i.name, 'POST', '/api/switchover', { to: i.name }));
    }
    box.appendChild(actions);
    if (!state.authorized) {
      const p = document.createElement('p');
      p.className = 'muted';
      p.textContent = 'Unlock actions with the admin token (top right).';
      box.appendChild(p);
    }
  }

  // ---- table ----
  function table(f) {
    const body = $('#instances tbody');
    body.replaceChildren();
    for (const i of f.instances) {
      const tr = document.createElement('tr');
      tr.dataset.name = i.name;
      const cells = [i.name, i.service, i.address, i.state + (i.healthy ? '' : ' (unhealthy)'), fmtRate(i.rps), fmtMs(i.p99Ms), fmtPct(i.errorRate), i.inFlight === null ? '–' : String(i.inFlight), tierLine(i)];
      cells.forEach((c, k) => {
        const td = document.createElement('td');
        td.textContent = c;
        if (k === 3) td.className = health(i);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    }
  }

  // ---- charts (uPlot) ----
  const CHARTS = [
    { key: 'rps', title: 'Requests/s at the LBs', fmt: fmtRate },
    { key: 'p99Ms', title: 'p99 at the LBs (ms)', fmt: fmtMs },
    { key: 'errorsPerSecond', title: 'Errors/s', fmt: fmtRate },
    { key: 'pageCacheHitRatio', title: 'Page cache hit ratio (LBs)', fmt: fmtPct },
    { key: 'cacheHitRatio', title: 'Read-through cache hit ratio (web)', fmt: fmtPct },
    { key: 'webReplicas', title: 'Web replicas running', fmt: (v) => String(v) },
    { key: 'dbQps', title: 'Queries/s at the proxies', fmt: fmtRate },
  ];
  function initCharts() {
    const box = $('#charts');
    for (const c of CHARTS) {
      const div = document.createElement('div');
      div.className = 'chart';
      div.id = 'chart-' + c.key;
      const h3 = document.createElement('h3');
      h3.textContent = c.title;
      const now = document.createElement('span');
      now.className = 'now';
      h3.appendChild(now);
      div.appendChild(h3);
      box.appendChild(div);
      const opts = {
        width: 320,
        height: 150,
        legend: { show: false },
        scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(max * 1.1, c.key === 'cacheHitRatio' ? 1 : 1)] } },
        axes: [{ size: 28 }, { size: 48 }],
        series: [{}, { stroke: '#3454d1', width: 1.5, fill: 'rgba(52,84,209,.08)', spanGaps: false }],
      };
      const plot = typeof uPlot === 'function' ? new uPlot(opts, [[], []], div) : null;
      state.charts.push({ c, plot, now });
    }
  }
  function redrawCharts() {
    const xs = state.history.map((p) => p.at / 1000);
    for (const ch of state.charts) {
      const ys = state.history.map((p) => (p[ch.c.key] === null || p[ch.c.key] === undefined ? null : p[ch.c.key]));
      if (ch.plot) ch.plot.setData([xs, ys]);
      const last = ys[ys.length - 1];
      ch.now.textContent = last === null || last === undefined ? '–' : ch.c.fmt(last);
    }
  }

  // ---- live updates ----
  function onFigures(f) {
    state.figures = f;
    $('#figures-at').textContent = 'updated ' + new Date(f.at).toLocaleTimeString();
    $('#figures-at').dataset.at = String(f.at);
    const prom = $('#prometheus-link');
    if (f.prometheus) {
      prom.hidden = false;
      prom.href = f.prometheus + '/graph?g0.expr=' + encodeURIComponent('sum(rate(scaleout_lb_responses_total[1m]))') + '&g0.tab=0';
    } else prom.hidden = true;
    const webs = f.instances.filter((i) => i.service === 'web');
    $('#web-count').textContent = String(webs.length);
    draw(f);
    table(f);
    if (state.selected) panel(f);
    const last = state.history[state.history.length - 1];
    if (!last || last.at < f.at) {
      state.history.push(Object.assign({ at: f.at }, f.headline));
      if (state.history.length > 900) state.history.shift();
      redrawCharts();
    }
    loadStatus(f.load);
  }

  function loadStatus(l) {
    const s = $('#load-status');
    if (!l) return;
    if (l.running && l.latest) {
      s.textContent = 'running: ' + fmtRate(l.latest.rate) + '/s done, p99 ' + fmtMs(l.latest.p99Ms) + ', ' + l.latest.errors + ' errors in the last second';
    } else if (l.running) s.textContent = 'starting…';
    else if (l.last) s.textContent = 'last run: ' + l.last.completed + ' completed, ' + l.last.errors + ' errors' + (l.last.failedJourneys !== undefined ? ', ' + l.last.failedJourneys + ' failed journeys' : '') + ' (' + l.last.stopped + ')';
    else s.textContent = 'idle';
    s.dataset.running = String(Boolean(l.running));
  }

  function connect() {
    const es = new EventSource('/api/events');
    es.addEventListener('open', () => {
      $('#live').textContent = 'live';
      $('#live').className = 'pill on';
    });
    es.addEventListener('error', () => {
      $('#live').textContent = 'reconnecting…';
      $('#live').className = 'pill off';
    });
    es.addEventListener('figures', (ev) => onFigures(JSON.parse(ev.data)));
    es.addEventListener('load-finished', (ev) => {
      const r = JSON.parse(ev.data);
      toast('load run finished: ' + r.completed + ' completed, ' + r.errors + ' errors');
    });
  }

  // ---- admin session ----
  function setAuthorized(ok) {
    state.authorized = ok;
    $('#auth-state').textContent = ok ? 'admin' : 'read-only';
    $('#token').hidden = ok;
    $('#login').hidden = ok;
    $('#logout').hidden = !ok;
    for (const b of document.querySelectorAll('button.admin')) b.disabled = !ok;
  }

  function wire() {
    $('#auth-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await api('POST', '/api/login', { token: $('#token').value });
        $('#token').value = '';
        setAuthorized(true);
        toast('actions unlocked');
      } catch (err) {
        toast(err.message, true);
      }
      if (state.figures && state.selected) panel(state.figures);
    });
    $('#logout').addEventListener('click', async () => {
      await api('POST', '/api/logout').catch(() => null);
      setAuthorized(false);
      if (state.figures && state.selected) panel(state.figures);
    });
    $('#load-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      act('load run', 'POST', '/api/load', { workload: $('#load-workload').value, rate: Number($('#load-rate').value), durationSeconds: Number($('#load-duration').value) });
    });
    $('#load-stop').addEventListener('click', () => act('stop load', 'DELETE', '/api/load'));
    const scale = (delta) => {
      const n = state.figures ? state.figures.instances.filter((i) => i.service === 'web').length + delta : 0;
      if (n >= 1) act('scale web=' + n, 'POST', '/api/scale', { service: 'web', count: n });
    };
    $('#scale-up').addEventListener('click', () => scale(1));
    $('#scale-down').addEventListener('click', () => scale(-1));
    $('#switchover').addEventListener('click', () => act('switchover', 'POST', '/api/switchover', {}));
  }

  async function init() {
    initCharts();
    wire();
    setAuthorized(false);
    try {
      setAuthorized(Boolean((await api('GET', '/api/auth')).authorized));
      const h = await api('GET', '/api/metrics/history');
      state.history = h.points || [];
      redrawCharts();
    } catch (err) {
      toast('control server: ' + err.message, true);
    }
    connect();
  }
  init();
})();
