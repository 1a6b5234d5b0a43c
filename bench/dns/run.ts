// Benchmark: the DNS rotator (apps/dns) against BIND 9 on the same zone, with dnsperf.
//
//   npx tsx bench/dns/run.ts [--seconds 8] [--rounds 2] [--mix rotation,mixed] [--clients 10]
//                            [--outstanding 200] [--no-floor] [--no-public]
//
// Every server runs pinned to CPU 0 (`taskset -c 0`), dnsperf to CPU 1. BIND runs with one worker
// thread (`-n 1`), `rrset-order { order cyclic; }`, minimal settings, from a generated named.conf in a
// temporary folder; the rotator reads the very same zone file (DNS_ZONE_FILE). Variants measured:
//   bind        named -g -n 1
//   rotator     node --import tsx apps/dns/src/server.ts (UDP fast send on, the default)
//   rotator-public  the same with DNS_UDP_FAST_SEND=false (socket.send)
//   node-floor  a Node UDP server that echoes each datagram (no DNS work): Node's own per-packet cost
// Per run: queries/s, lost queries, average latency, and server CPU time per query (utime+stime of the
// server process / completed queries), which is much less sensitive to a busy machine than q/s.
// Prints a table and the ratios rotator/BIND; writes bench/results/dns-<timestamp>.json.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    mix: { type: 'string', default: 'rotation,mixed' },
    clients: { type: 'string', default: '10' },
    outstanding: { type: 'string', default: '200' },
    'no-floor': { type: 'boolean', default: false },
    'no-public': { type: 'boolean', default: false },
  },
});
const SECONDS = Math.max(1, Math.min(120, Number(args.seconds)));
const ROUNDS = Math.max(1, Math.min(10, Number(args.rounds)));
const MIXES = args.mix.split(',').filter((m) => m === 'rotation' || m === 'mixed');
const CLIENTS = Number(args.clients);
const OUTSTANDING = Number(args.outstanding);

const SERVER_CPU = '0';
const CLIENT_CPU = '1';

// ---------------------------------------------------------------- helpers

function which(name: string, pkg: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin', '/usr/bin'];
  for (const d of dirs) {
    try {
      accessSync(join(d, name), constants.X_OK);
      return join(d, name);
    } catch {
      // next
    }
  }
  throw new Error(`${name} not found: install the Debian package ${pkg} (apt-get install ${pkg})`);
}

async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((res, rej) => {
      const s = net.createServer();
      s.once('error', rej);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => res(p));
      });
    });
    const udpFree = await new Promise<boolean>((res) => {
      const u = dgram.createSocket('udp4');
      u.once('error', () => res(false));
      u.bind(port, '127.0.0.1', () => u.close(() => res(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port');
}

function query(name: string, qtype: number): Buffer {
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(qtype, 1);
  tail.writeUInt16BE(1, 3);
  return Buffer.concat([Buffer.from([0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, tail]);
}

/** Resolves once the server answers `www.scaleout.test A` over UDP. */
async function waitForAnswer(port: number, child: ChildProcess, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((res) => {
      const s = dgram.createSocket('udp4');
      const t = setTimeout(() => {
        s.close();
        res(false);
      }, 300);
      s.on('message', () => {
        clearTimeout(t);
        s.close();
        res(true);
      });
      s.send(query('www.scaleout.test', 1), port, '127.0.0.1');
    });
    if (ok) return;
  }
  throw new Error(`${what} did not answer on port ${port} within ${timeoutMs} ms`);
}

/** utime + stime of a process (all its threads) in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100; // USER_HZ is 100 on Linux
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

interface PerfResult {
  sent: number;
  completed: number;
  lost: number;
  qps: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
}

function parseDnsperf(out: string): PerfResult {
  const num = (re: RegExp) => {
    const m = re.exec(out);
    if (!m) throw new Error(`unexpected dnsperf output:\n${out}`);
    return Number(m[1]);
  };
  return {
    sent: num(/Queries sent:\s+(\d+)/),
    completed: num(/Queries completed:\s+(\d+)/),
    lost: num(/Queries lost:\s+(\d+)/),
    qps: num(/Queries per second:\s+([\d.]+)/),
    avgLatencyMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    maxLatencyMs: num(/Average Latency \(s\):\s+[\d.]+ \(min [\d.]+, max ([\d.]+)\)/) * 1000,
  };
}

function runDnsperf(dnsperf: string, port: number, queryFile: string): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn('taskset', ['-c', CLIENT_CPU, dnsperf, '-s', '127.0.0.1', '-p', String(port), '-d', queryFile, '-l', String(SECONDS), '-c', String(CLIENTS), '-q', String(OUTSTANDING)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', rej);
    child.once('exit', (code) => (code === 0 ? res(out) : rej(new Error(`dnsperf exited ${code}:\n${out}`))));
  });
}

// ---------------------------------------------------------------- setup

const named = which('named', 'bind9');
const namedCheckconf = which('named-checkconf', 'bind9');
const dnsperf = which('dnsperf', 'dnsperf');
which('taskset', 'util-linux');

const work = mkdtempSync(join(os.tmpdir(), 'scaleout-bench-dns-'));
const zoneFile = join(work, 'scaleout.test.zone');
writeFileSync(
  zoneFile,
  [
    '$ORIGIN scaleout.test.',
    '$TTL 30',
    '@    IN SOA ns1 hostmaster 2024010101 3600 600 604800 30',
    '@    IN NS  ns1',
    'ns1  IN A   127.0.0.1',
    'www  IN A   127.0.1.1',
    'www  IN A   127.0.1.2',
    '',
  ].join('\n'),
);
const queryFiles: Record<string, string> = {};
queryFiles.rotation = join(work, 'queries-rotation.txt');
writeFileSync(queryFiles.rotation, 'www.scaleout.test A\n');
queryFiles.mixed = join(work, 'queries-mixed.txt');
writeFileSync(
  queryFiles.mixed,
  [...Array<string>(7).fill('www.scaleout.test A'), 'nope.scaleout.test A', 'www.scaleout.test AAAA', 'scaleout.test SOA'].join('\n') + '\n',
);

interface Variant {
  name: string;
  start(port: number): Promise<ChildProcess>;
}

const isRoot = process.getuid?.() === 0;
const variants: Variant[] = [
  {
    name: 'bind',
    async start(port) {
      const conf = join(work, `named-${port}.conf`);
      writeFileSync(
        conf,
        `options {
  directory "${work}";
  pid-file "${work}/named-${port}.pid";
  session-keyfile "${work}/session-${port}.key";
  managed-keys-directory "${work}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
  rrset-order { order cyclic; };
};
controls { };
zone "scaleout.test" { type primary; file "${zoneFile}"; };
`,
      );
      const check = spawnSync(namedCheckconf, [conf], { encoding: 'utf8' });
      if (check.status !== 0) throw new Error(`named-checkconf: ${check.stdout}${check.stderr}`);
      return spawn('taskset', ['-c', SERVER_CPU, named, '-g', '-n', '1', ...(isRoot ? ['-u', 'root'] : []), '-c', conf], { stdio: 'ignore' });
    },
  },
  {
    name: 'rotator',
    async start(port) {
      return startRotator(port, {});
    },
  },
];
if (!args['no-public']) variants.push({ name: 'rotator-public', start: (port) => startRotator(port, { DNS_UDP_FAST_SEND: 'false' }) });
if (!args['no-floor']) {
  variants.push({
    name: 'node-floor',
    async start(port) {
      return spawn('taskset', ['-c', SERVER_CPU, process.execPath, '--import', 'tsx', join(here, 'echo-floor.ts'), String(port)], { cwd: repo, stdio: 'ignore' });
    },
  });
}

async function startRotator(port: number, extra: Record<string, string>): Promise<ChildProcess> {
  const adminPort = await freePort();
  return spawn('taskset', ['-c', SERVER_CPU, process.execPath, '--import', 'tsx', join(repo, 'apps/dns/src/server.ts')], {
    cwd: repo,
    stdio: 'ignore',
    env: {
      ...process.env,
      NODE_ENV: 'development',
      DNS_HOST: '127.0.0.1',
      DNS_PORT: String(port),
      DNS_ADMIN_HOST: '127.0.0.1',
      DNS_ADMIN_PORT: String(adminPort),
      DNS_ZONE_FILE: zoneFile,
      DNS_LOG_LEVEL: 'warn',
      DNS_INSTANCE: 'bench-dns',
      ...extra,
    },
  });
}

// ---------------------------------------------------------------- run

interface Row extends PerfResult {
  server: string;
  mix: string;
  round: number;
  cpuUsPerQuery: number;
}

const children = new Set<ChildProcess>();
const cleanup = () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
};
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

const rows: Row[] = [];
const started = new Date();
console.log(
  `dns benchmark: ${SECONDS}s per run, ${ROUNDS} round(s), mixes ${MIXES.join('+')}, dnsperf -c ${CLIENTS} -q ${OUTSTANDING}; servers on CPU ${SERVER_CPU}, dnsperf on CPU ${CLIENT_CPU}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
);
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const mix of MIXES) {
      for (const v of variants) {
        const port = await freePort();
        const child = await v.start(port);
        children.add(child);
        try {
          await waitForAnswer(port, child, v.name);
          await new Promise((r) => setTimeout(r, 300));
          const cpu0 = cpuSeconds(child.pid!);
          const perf = parseDnsperf(await runDnsperf(dnsperf, port, queryFiles[mix]!));
          const cpu1 = cpuSeconds(child.pid!);
          const row: Row = { server: v.name, mix, round, ...perf, cpuUsPerQuery: ((cpu1 - cpu0) * 1e6) / Math.max(1, perf.completed) };
          rows.push(row);
          console.log(
            `  round ${round} ${mix.padEnd(8)} ${v.name.padEnd(15)} ${Math.round(perf.qps).toString().padStart(7)} q/s  lost ${perf.lost}  avg ${perf.avgLatencyMs.toFixed(3)} ms  cpu ${row.cpuUsPerQuery.toFixed(2)} µs/query`,
          );
        } finally {
          await stop(child);
          children.delete(child);
        }
      }
    }
  }
} finally {
  cleanup();
}

// ---------------------------------------------------------------- report

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const summary: Array<Record<string, string | number>> = [];
const ratios: Record<string, Record<string, number>> = {};
for (const mix of MIXES) {
  const bind = rows.filter((r) => r.server === 'bind' && r.mix === mix);
  const bindQps = median(bind.map((r) => r.qps));
  const bindCpu = median(bind.map((r) => r.cpuUsPerQuery));
  ratios[mix] = {};
  for (const v of variants) {
    const rs = rows.filter((r) => r.server === v.name && r.mix === mix);
    const qps = median(rs.map((r) => r.qps));
    const cpu = median(rs.map((r) => r.cpuUsPerQuery));
    ratios[mix]![v.name] = qps / bindQps;
    summary.push({
      mix,
      server: v.name,
      'q/s (median)': Math.round(qps),
      'lost (total)': rs.reduce((n, r) => n + r.lost, 0),
      'avg latency ms': Number(median(rs.map((r) => r.avgLatencyMs)).toFixed(3)),
      'cpu µs/query': Number(cpu.toFixed(2)),
      'q/s ÷ BIND': Number((qps / bindQps).toFixed(2)),
      'BIND cpu ÷ cpu': Number((bindCpu / cpu).toFixed(2)),
    });
  }
}
console.table(summary);
for (const mix of MIXES) {
  console.log(`${mix}: rotator / BIND = ${ratios[mix]!.rotator!.toFixed(2)} (goal ≥ 0.60)`);
}

const resultsDir = join(repo, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
const stamp = started.toISOString().replace(/[:.]/g, '-');
const file = join(resultsDir, `dns-${stamp}.json`);
const versions = {
  node: process.version,
  bind: spawnSync(named, ['-v'], { encoding: 'utf8' }).stdout.trim(),
  dnsperf: /Version ([\d.]+)/.exec(spawnSync(dnsperf, ['-h'], { encoding: 'utf8' }).stderr + spawnSync(dnsperf, ['-h'], { encoding: 'utf8' }).stdout)?.[1],
};
writeFileSync(
  file,
  JSON.stringify(
    {
      benchmark: 'dns',
      startedAt: started.toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg: os.loadavg(), versions },
      params: { seconds: SECONDS, rounds: ROUNDS, mixes: MIXES, clients: CLIENTS, outstanding: OUTSTANDING, serverCpu: SERVER_CPU, clientCpu: CLIENT_CPU },
      runs: rows,
      summary,
      ratios,
    },
    null,
    2,
  ),
);
console.log(`results: ${file}`);
