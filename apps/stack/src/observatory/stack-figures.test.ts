import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InstanceStatus } from '../instance-status.js';
import { parseExposition, type Scrape } from './prom-sample.js';
import { ScrapeWindow } from './scrape-window.js';
import { stackFigures } from './stack-figures.js';

const status = (name: string, service: string, address: string, state: InstanceStatus['state'] = 'running'): InstanceStatus => ({
  name,
  service,
  address,
  pid: state === 'running' ? 1 : null,
  state,
  healthy: state === 'running',
});

const lbText = (web1: number, web2: number, fives: number, inflight: number) => `# HELP scaleout_lb_responses_total x
# TYPE scaleout_lb_responses_total counter
scaleout_lb_responses_total{pool="web",server="web1",code="2xx"} ${web1}
scaleout_lb_responses_total{pool="web",server="web2",code="2xx"} ${web2}
scaleout_lb_responses_total{pool="web",server="web2",code="5xx"} ${fives}
# HELP scaleout_lb_lb_responses_total x
# TYPE scaleout_lb_lb_responses_total counter
scaleout_lb_lb_responses_total{pool="web",code="LB_ERR_NO_SERVER"} 0
# HELP scaleout_lb_request_duration_seconds x
# TYPE scaleout_lb_request_duration_seconds histogram
scaleout_lb_request_duration_seconds_bucket{le="0.01",pool="web",server="web1"} ${web1}
scaleout_lb_request_duration_seconds_bucket{le="0.1",pool="web",server="web1"} ${web1}
scaleout_lb_request_duration_seconds_bucket{le="+Inf",pool="web",server="web1"} ${web1}
scaleout_lb_request_duration_seconds_sum{pool="web",server="web1"} 1
scaleout_lb_request_duration_seconds_count{pool="web",server="web1"} ${web1}
scaleout_lb_request_duration_seconds_bucket{le="0.01",pool="web",server="web2"} 0
scaleout_lb_request_duration_seconds_bucket{le="0.1",pool="web",server="web2"} ${web2 + fives}
scaleout_lb_request_duration_seconds_bucket{le="+Inf",pool="web",server="web2"} ${web2 + fives}
scaleout_lb_request_duration_seconds_sum{pool="web",server="web2"} 1
scaleout_lb_request_duration_seconds_count{pool="web",server="web2"} ${web2 + fives}
# HELP scaleout_lb_in_flight_requests x
# TYPE scaleout_lb_in_flight_requests gauge
scaleout_lb_in_flight_requests{pool="web",server="web1"} ${inflight}
scaleout_lb_in_flight_requests{pool="web",server="web2"} 0
# HELP scaleout_lb_server_state x
# TYPE scaleout_lb_server_state gauge
scaleout_lb_server_state{pool="web",server="web1",state="drain"} 1
scaleout_lb_server_state{pool="web",server="web2",state="ready"} 1
# HELP scaleout_lb_server_up x
# TYPE scaleout_lb_server_up gauge
scaleout_lb_server_up{pool="web",server="web1"} 1
scaleout_lb_server_up{pool="web",server="web2"} 0
`;

test('figures: LB rates per edge, error ratio, merged p99, server states, a killed replica at zero', async () => {
  const earlier: Scrape = { at: 1000, metrics: await parseExposition(lbText(100, 200, 0, 0)) };
  const later: Scrape = { at: 3000, metrics: await parseExposition(lbText(300, 500, 20, 4)) };
  const f = stackFigures({
    status: [status('lb1', 'lb', '127.0.1.1:8080'), status('web1', 'web', '127.0.2.1:3000'), status('web2', 'web', '127.0.2.2:3000'), status('web3', 'web', '127.0.2.3:3000', 'killed')],
    window: (name) => (name === 'lb1' ? new ScrapeWindow(later, earlier) : new ScrapeWindow(undefined, undefined)),
    windowSeconds: 2,
    at: 3000,
  });
  const edge = (id: string) => f.edges.find((e) => e.id === id)!;
  assert.equal(edge('lb1->web1').rps, 100, '200 responses in 2 s');
  assert.equal(edge('lb1->web2').rps, 160, '(300 ok + 20 errors) in 2 s');
  assert.equal(edge('lb1->web2').errorRate, 10 / 160);
  assert.equal(edge('lb1->web3').rps, 0, 'a killed replica gets nothing');
  const lb = f.instances.find((i) => i.name === 'lb1')!;
  assert.equal(lb.rps, 260);
  assert.equal(lb.inFlight, 4);
  assert.equal(lb.detail['server web1'], 'drain');
  assert.equal(lb.detail['server web2'], 'down', 'ready but failing checks shows as down');
  assert.equal(f.headline.rps, 260);
  assert.equal(f.headline.errorsPerSecond, 10);
  // 200 observations ≤ 10 ms (web1), 320 in (10 ms, 100 ms] (web2): p99 is near 100 ms.
  assert.ok(f.headline.p99Ms! > 90 && f.headline.p99Ms! <= 100, `p99 ${f.headline.p99Ms}`);
  assert.equal(f.instances.find((i) => i.name === 'web1')!.inFlight, 4, 'in flight per replica as the LBs see it');
  assert.equal(f.headline.webReplicas, 2);
});

test('figures: an instance whose scrape failed shows zero rates, not stale ones', async () => {
  const ok: Scrape = { at: 1000, metrics: await parseExposition(lbText(100, 200, 0, 0)) };
  const failed: Scrape = { at: 2000, metrics: null, error: 'ECONNREFUSED' };
  const f = stackFigures({
    status: [status('lb1', 'lb', '127.0.1.1:8080'), status('web1', 'web', '127.0.2.1:3000')],
    window: () => new ScrapeWindow(failed, ok),
    windowSeconds: 2,
  });
  const lb = f.instances.find((i) => i.name === 'lb1')!;
  assert.equal(lb.scraped, false);
  assert.equal(lb.rps, 0);
  assert.equal(lb.inFlight, null);
});
