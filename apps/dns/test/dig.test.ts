// The real server process (node --import tsx src/server.ts) queried with dig (bind9-dnsutils).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startDnsProcess, type DnsProcess } from './support/start-dns.js';

const run = promisify(execFile);
const BIG = Array.from({ length: 80 }, (_, i) => `big A 10.0.${Math.floor(i / 200)}.${(i % 200) + 1}`).join('; ');

let dns: DnsProcess;
let dir: string;

async function dig(...args: string[]): Promise<string> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(dns.port), '+time=2', '+tries=1', ...args]);
  return stdout;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dns-dig-'));
  dns = await startDnsProcess({
    DNS_ZONE: 'scaleout.test',
    DNS_RECORDS: `www A 127.0.1.1; www A 127.0.1.2; ${BIG}`,
  });
});

after(async () => {
  await dns?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('dig www.scaleout.test: both addresses, aa set, a different order on consecutive queries', async () => {
  const first = await dig('www.scaleout.test');
  assert.match(first, /status: NOERROR/);
  assert.match(first, /flags: qr aa rd;/);
  assert.match(first, /ANSWER: 2,/);
  const orders: string[] = [];
  for (let i = 0; i < 4; i++) orders.push((await dig('www.scaleout.test', '+short')).trim().replace(/\n/g, ' '));
  assert.deepEqual(new Set(orders), new Set(['127.0.1.1 127.0.1.2', '127.0.1.2 127.0.1.1']));
  for (let i = 1; i < orders.length; i++) assert.notEqual(orders[i], orders[i - 1]);
});

test('over 1,000 queries each address is first equally often (±1%)', async () => {
  const batch = join(dir, 'batch.txt');
  writeFileSync(batch, Array.from({ length: 1000 }, () => 'www.scaleout.test A +short').join('\n') + '\n');
  const out = await dig('-f', batch);
  const lines = out.trim().split('\n');
  assert.equal(lines.length, 2000);
  const firsts = new Map<string, number>();
  for (let i = 0; i < lines.length; i += 2) firsts.set(lines[i]!, (firsts.get(lines[i]!) ?? 0) + 1);
  assert.deepEqual([...firsts.keys()].sort(), ['127.0.1.1', '127.0.1.2']);
  for (const n of firsts.values()) assert.ok(Math.abs(n - 500) <= 5, `first ${n} times out of 1000`);
});

test('NXDOMAIN and NODATA carry the SOA in the authority section', async () => {
  const nx = await dig('nope.scaleout.test', '+norec');
  assert.match(nx, /status: NXDOMAIN/);
  assert.match(nx, /flags: qr aa;/);
  assert.match(nx, /AUTHORITY SECTION:\nscaleout\.test\.\s+\d+\s+IN\s+SOA\s+ns1\.scaleout\.test\. hostmaster\.scaleout\.test\./);
  const nodata = await dig('www.scaleout.test', 'AAAA');
  assert.match(nodata, /status: NOERROR/);
  assert.match(nodata, /ANSWER: 0, AUTHORITY: 1/);
  assert.match(nodata, /IN\s+SOA\s+ns1\.scaleout\.test\./);
  const soa = await dig('scaleout.test', 'SOA', '+short');
  assert.match(soa, /^ns1\.scaleout\.test\. hostmaster\.scaleout\.test\. \d+ 3600 600 604800 30$/m);
});

test('REFUSED for names outside the zone', async () => {
  const out = await dig('www.example.com');
  assert.match(out, /status: REFUSED/);
  assert.doesNotMatch(out, /flags:[^;]*\baa\b/);
});

test('a UDP answer that does not fit is truncated (TC), and the same query over TCP gets everything', async () => {
  const udp = await dig('big.scaleout.test', '+ignore', '+noedns');
  assert.match(udp, /flags: qr aa tc rd;/);
  assert.match(udp, /ANSWER: 0,/);
  const tcp = await dig('big.scaleout.test', '+tcp', '+noedns');
  assert.match(tcp, /ANSWER: 80,/);
  assert.doesNotMatch(tcp, /flags:[^;]*\btc\b/);
  // Without +ignore dig retries over TCP by itself.
  const auto = await dig('big.scaleout.test', '+noedns');
  assert.match(auto, /Truncated, retrying in TCP mode/);
  assert.match(auto, /ANSWER: 80,/);
});

test('EDNS version 1 gets BADVERS with an OPT of version 0', async () => {
  const out = await dig('www.scaleout.test', '+edns=1', '+noednsneg');
  assert.match(out, /status: BADVERS/);
  assert.match(out, /EDNS: version: 0,/);
});

test('a mixed-case question is echoed exactly and answered', async () => {
  const out = await dig('WwW.ScAlEoUt.TeSt');
  assert.match(out, /QUESTION SECTION:\n;WwW\.ScAlEoUt\.TeSt\.\s+IN\s+A/);
  assert.match(out, /ANSWER SECTION:\nWwW\.ScAlEoUt\.TeSt\.\s+30\s+IN\s+A\s+127\.0\.1\.[12]/);
});

test('admin endpoints answer and SIGTERM stops the process with exit code 0', async () => {
  const health = await fetch(`http://127.0.0.1:${dns.adminPort}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(health.headers.get('x-served-by'), 'dns-proc');
  const ready = await fetch(`http://127.0.0.1:${dns.adminPort}/readyz`);
  assert.equal(ready.status, 200);
  const code = await dns.stop();
  assert.equal(code, 0);
  assert.ok(dns.lines.some((l) => l.includes('"msg":"stopped"')));
});
