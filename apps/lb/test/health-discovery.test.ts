import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { load, request, startBackend, startLb, until } from './helpers.js';

test('a server failing its check leaves rotation after fall checks and returns after rise', async (t) => {
  const a = await startBackend('h1');
  const b = await startBackend('h2');
  t.after(() => Promise.all([a.kill(), b.kill()]));
  const lb = await startLb({
    LB_SERVERS: `h1=${a.address},h2=${b.address}`,
    LB_STICKY: 'false',
    LB_CHECK_PATH: '/healthz',
    LB_CHECK_INTERVAL: '100ms',
    LB_CHECK_FAST_INTERVAL: '100ms',
    LB_CHECK_DOWN_INTERVAL: '100ms',
    LB_CHECK_FALL: '3',
    LB_CHECK_RISE: '2',
  });
  t.after(() => lb.close());
  const pool = lb.lb.pools.get('web')!;
  const h1 = pool.get('h1')!;
  await until('first checks', () => (pool.checkSnapshot('h1')?.checks ?? 0) >= 2, 5000);
  await request({ port: a.port, method: 'POST', path: '/__ctl/health?status=500' });
  const failuresAtStart = pool.checkSnapshot('h1')!.failures;
  await until('h1 down', () => !h1.healthy, 5000);
  assert.ok(pool.checkSnapshot('h1')!.failures - failuresAtStart >= 3, 'down only after fall (3) failed checks');
  const down = await load(lb.port, 40, 2);
  assert.deepEqual(down.failures, []);
  assert.equal(down.counts.h1 ?? 0, 0, 'h1 out of rotation');
  const st = await request({ port: lb.adminPort, path: '/api/pools/web/servers/h1', headers: { authorization: 'Bearer test-admin-token' } });
  assert.equal(JSON.parse(st.body).state, 'down');
  await request({ port: a.port, method: 'POST', path: '/__ctl/health?status=200' });
  const checksAtRecovery = pool.checkSnapshot('h1')!.checks;
  await until('h1 up', () => h1.healthy, 5000);
  assert.ok(pool.checkSnapshot('h1')!.checks - checksAtRecovery >= 2, 'up only after rise (2) good checks');
  const up = await load(lb.port, 40, 2);
  assert.ok((up.counts.h1 ?? 0) > 0, 'h1 back in rotation');
  const metrics = await request({ port: lb.adminPort, path: '/metrics' });
  assert.match(metrics.body, /scaleout_lb_server_transitions_total\{pool="web",server="h1",to="down"\} 1/);
  assert.match(metrics.body, /scaleout_lb_server_up\{pool="web",server="h1"\} 1/);
  assert.match(metrics.body, /scaleout_lb_request_duration_seconds_bucket\{le="[^"]+",pool="web",server="h1"\}/);
});

/** A tiny authoritative DNS server over UDP: A records of one name, editable by the test. */
function dnsServer(name: string): Promise<{ port: number; records: string[]; close(): void }> {
  const records: string[] = [];
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    if (msg.length < 17) return;
    let i = 12;
    const labels: string[] = [];
    while (i < msg.length && msg[i] !== 0) {
      labels.push(msg.toString('latin1', i + 1, i + 1 + msg[i]!));
      i += msg[i]! + 1;
    }
    const qEnd = i + 5;
    const qtype = msg.readUInt16BE(i + 1);
    const qname = labels.join('.').toLowerCase();
    const known = qname === name;
    const answers = known && qtype === 1 ? records : [];
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0);
    header.writeUInt16BE(known ? 0x8580 : 0x8583, 2); // QR AA RD RA, rcode 0 or 3 (NXDOMAIN)
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const rrs = answers.map((ip) => {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0);
      rr.writeUInt16BE(1, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(1, 6);
      rr.writeUInt16BE(4, 10);
      ip.split('.').forEach((o, k) => rr.writeUInt8(Number(o), 12 + k));
      return rr;
    });
    sock.send(Buffer.concat([header, msg.subarray(12, qEnd), ...rrs]), rinfo.port, rinfo.address);
  });
  return new Promise((resolve) =>
    sock.bind(0, '127.0.0.1', () => resolve({ port: sock.address().port, records, close: () => sock.close() })),
  );
}

test('discovery: adding and removing an A record adds and removes the server without restart', async (t) => {
  // The same port on three loopback addresses: the A records decide which ones are servers.
  const first = await startBackend('d1', '127.0.0.21');
  const port = first.port;
  const second = await startBackend('d2', '127.0.0.22', port);
  t.after(() => Promise.all([first.kill(), second.kill()]));
  const dns = await dnsServer('web.scaleout.test');
  t.after(() => dns.close());
  dns.records.push('127.0.0.21');
  const lb = await startLb({
    LB_DISCOVER: `web.scaleout.test:${port}`,
    LB_RESOLVER: `127.0.0.1:${dns.port}`,
    LB_DNS_INTERVAL: '100ms',
    LB_STICKY: 'false',
  });
  t.after(() => lb.close());
  const pool = lb.lb.pools.get('web')!;
  assert.deepEqual(pool.servers.map((s) => s.name), [`127.0.0.21:${port}`]);
  assert.deepEqual((await load(lb.port, 10, 1)).counts, { d1: 10 });

  dns.records.push('127.0.0.22');
  await until('second server discovered', () => pool.servers.length === 2, 5000);
  const both = await load(lb.port, 20, 1);
  assert.deepEqual(both.failures, []);
  assert.ok((both.counts.d1 ?? 0) > 0 && (both.counts.d2 ?? 0) > 0, JSON.stringify(both.counts));

  dns.records.splice(0, 1);
  await until('first server removed', () => pool.servers.length === 1, 5000);
  assert.deepEqual(pool.servers.map((s) => s.name), [`127.0.0.22:${port}`]);
  assert.deepEqual((await load(lb.port, 10, 1)).counts, { d2: 10 });
  const view = await request({ port: lb.adminPort, path: '/api/pools/web', headers: { authorization: 'Bearer test-admin-token' } });
  assert.equal(JSON.parse(view.body).servers[0].source, 'dns');
});

test('discovery keeps the last answer through resolver errors within the hold time', async (t) => {
  const b = await startBackend('x1', '127.0.0.23');
  t.after(() => b.kill());
  const dns = await dnsServer('web.scaleout.test');
  dns.records.push('127.0.0.23');
  const lb = await startLb({
    LB_DISCOVER: `web.scaleout.test:${b.port}`,
    LB_RESOLVER: `127.0.0.1:${dns.port}`,
    LB_DNS_INTERVAL: '100ms',
    LB_DNS_TIMEOUT: '100ms',
    LB_DNS_HOLD_ERROR: '60s',
    LB_STICKY: 'false',
  });
  t.after(() => lb.close());
  dns.close(); // the resolver goes away: queries time out
  const d = lb.lb.discoveries.get('web')!;
  await until('failed resolutions', () => d.failures >= 2, 5000);
  assert.equal(lb.lb.pools.get('web')!.servers.length, 1, 'server kept during the hold time');
  assert.equal((await request({ port: lb.port })).status, 200);
});
