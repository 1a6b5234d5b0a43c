import { spawn } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readSync, statSync, unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatStatus } from './format-status.js';
import { queryCacheFromEnv, queryCacheSetting, runStack } from './run-stack.js';
import { StackClient } from './stack-client.js';
import { StackError } from './stack-error.js';
import { stackPaths } from './stack-paths.js';
import { loadCommand } from '@scaleout/load';
import { formatFigures } from './observatory/format-figures.js';
import { callFirstAdmin } from './admin-client.js';
import { controlHost, CONTROL_PORT, DNS_PORT, PROXY_ADMIN_PORT, stackAddress } from './stack-spec.js';
import { processAlive, readStackState, reapOrphans, removeStackState } from './stack-state.js';
import { tailFile } from './tail-file.js';
import { takeAutoscaleOption, type AutoscaleOption } from './autoscaler/autoscale-option.js';
import { scenarioCommand } from './scenarios/scenario-command.js';

const USAGE = `scaleout: the scalable web architecture as local processes

usage: scaleout <command> [options]

  up [--detach] [--web N] [--no-prometheus] [--autoscale [FILE.json]]
                                              start the stack (foreground: Ctrl-C stops it); --autoscale:
                                              the autoscaler owns the web count (AUTOSCALE_* or FILE.json)
     [--query-cache-type OFF|ON|DEMAND] [--query-cache-size 16M]
                                              MariaDB's query cache on db1 and db2 (default off)
  down                                        stop a running stack
  status [--json] [--watch]                   every instance: address, pid, state, health (--watch: live figures)
  load get URL|shop [--rate R/s|--ramp A..B/s over T|--connections N] [--duration T] [--json FILE]
                                              load through the stack (shop: journeys via its DNS and LBs)
  scale <service>=N                           e.g. scale web=4
  kill|pause|resume|restart|stop <instance>   fault injection and control (kill = SIGKILL, no restart)
  logs <instance> [-n N] [-f]                 an instance's log (stdout and stderr)
  switchover [--to db2]                       move the MySQL writer with zero lost writes (db-proxy)
  rejoin <db>                                 bring a fenced old writer back as a replica (db-proxy)
  scenario list | run NAME [--quick] [--out DIR]
                                              an experiment on a stack of its own, with a report folder

environment: SCALEOUT_NET (default 127.0: the address plan of DESIGN.md), SCALEOUT_HOME (default
<repo>/.scaleout), SCALEOUT_ADMIN_TOKEN (default dev-admin-token)
`;

const paths = stackPaths();
const token = process.env.SCALEOUT_ADMIN_TOKEN ?? 'dev-admin-token';

function client(): StackClient {
  const state = readStackState(paths.stateFile);
  const url = state?.control ?? `http://${controlHost(process.env.SCALEOUT_NET ?? '127.0')}:${CONTROL_PORT}`;
  return new StackClient(url, token);
}

function flag(args: string[], name: string): boolean {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
}

function option(args: string[], names: string[]): string | undefined {
  for (const name of names) {
    const i = args.indexOf(name);
    if (i >= 0) {
      const v = args[i + 1];
      args.splice(i, 2);
      return v;
    }
  }
  return undefined;
}

async function up(args: string[]): Promise<number> {
  const detach = flag(args, '--detach') || flag(args, '-d');
  const noPrometheus = flag(args, '--no-prometheus');
  const autoscale = takeAutoscaleOption(args);
  const webRaw = option(args, ['--web']);
  const web = webRaw === undefined ? undefined : Number(webRaw);
  if (web !== undefined && (!Number.isInteger(web) || web < 1 || web > 50)) throw new StackError('STACK_ERR_USAGE', `--web "${webRaw}" is invalid: expected an integer between 1 and 50`);

  const qcType = option(args, ['--query-cache-type']);
  const qcSize = option(args, ['--query-cache-size']);
  const queryCache = queryCacheSetting(qcType, qcSize, { type: '--query-cache-type', size: '--query-cache-size' }) ?? queryCacheFromEnv();
  const qcArgs = queryCache ? ['--query-cache-type', queryCache.type, '--query-cache-size', String(queryCache.sizeBytes)] : [];

  if (detach) return upDetached(web, noPrometheus, qcArgs, autoscale);
  const stack = await runStack({ counts: { web }, prometheus: noPrometheus ? false : 'auto', autoscale: autoscale?.config, queryCache });
  let signals = 0;
  const onSignal = () => {
    signals += 1;
    if (signals > 1) {
      console.log('second signal: killing every instance now');
      const state = readStackState(paths.stateFile);
      if (state) reapOrphans(state, paths.home);
      process.exit(130);
    }
    void stack.down();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await stack.ready;
  } catch (err) {
    console.error(`\nthe stack could not start: ${(err as Error).message}`);
    await stack.down();
    return 1;
  }
  await stack.done;
  return 0;
}

async function upDetached(web: number | undefined, noPrometheus: boolean, qcArgs: string[], autoscale?: AutoscaleOption): Promise<number> {
  const c = client();
  if (await c.reachable()) {
    console.log(`a stack is already running at ${c.baseUrl}`);
    console.log(formatStatus(await c.instances()));
    return 0;
  }
  mkdirSync(paths.logs, { recursive: true });
  const logFile = join(paths.logs, 'stack-console.log');
  const out = openSync(logFile, 'a');
  const start = existsSync(logFile) ? statSync(logFile).size : 0;
  const bin = fileURLToPath(new URL('../bin/scaleout.mjs', import.meta.url));
  const childArgs = [bin, 'up', ...(web ? ['--web', String(web)] : []), ...(noPrometheus ? ['--no-prometheus'] : []), ...qcArgs, ...(autoscale?.args ?? [])];
  const child = spawn(process.execPath, childArgs, { detached: true, stdio: ['ignore', out, out], env: process.env });
  child.unref();
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? 1));
  console.log(`starting the stack in the background (pid ${child.pid}); progress in ${logFile}`);
  const deadline = Date.now() + 300_000;
  let shown = start;
  for (;;) {
    shown = echoNew(logFile, shown);
    if (exited !== null) {
      console.error(`the stack exited with code ${exited} before it was up`);
      return 1;
    }
    if (await c.ready()) break;
    if (Date.now() > deadline) {
      console.error('the stack was not up after 300 s; see ' + logFile);
      return 1;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  echoNew(logFile, shown);
  return 0;
}

/** Prints what was appended to `file` since byte `from`; returns the new offset. */
function echoNew(file: string, from: number): number {
  const size = existsSync(file) ? statSync(file).size : 0;
  if (size > from) {
    process.stdout.write(tailBytes(file, from, size));
  }
  return size;
}

function tailBytes(file: string, from: number, to: number): string {
  const buf = Buffer.alloc(to - from);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, buf.length, from);
  } finally {
    closeSync(fd);
  }
  return buf.toString('utf8');
}

async function down(): Promise<number> {
  const c = client();
  const state = readStackState(paths.stateFile);
  if (!(await c.reachable())) {
    if (state && !processAlive(state.pid)) {
      const reaped = reapOrphans(state, paths.home);
      removeStackState(paths.stateFile);
      if (reaped.length) console.log(`cleaned up processes left by a stack that died: ${reaped.join(', ')}`);
    }
    console.log('no stack is running');
    return 0;
  }
  await c.down();
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const alive = state ? processAlive(state.pid) : await c.reachable();
    if (!alive) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log('stack stopped');
  return 0;
}

async function status(args: string[]): Promise<number> {
  const json = flag(args, '--json');
  const watch = flag(args, '--watch') || flag(args, '-w');
  const c = client();
  if (watch) return statusWatch(c);
  if (!(await c.reachable())) {
    if (json) console.log('[]');
    console.error('no stack is running (start one with: npm start)');
    return 3;
  }
  const rows = await c.instances();
  console.log(json ? JSON.stringify(rows, null, 2) : formatStatus(rows));
  return 0;
}

/** `status --watch`: the live figures once a second until Ctrl-C (a compact table for a terminal). */
async function statusWatch(c: StackClient): Promise<number> {
  if (!(await c.reachable())) {
    console.error('no stack is running (start one with: npm start)');
    return 3;
  }
  let stop = false;
  process.once('SIGINT', () => (stop = true));
  const tty = process.stdout.isTTY;
  while (!stop) {
    try {
      const text = formatFigures(await c.figures());
      process.stdout.write(tty ? `\x1b[H\x1b[2J${text}\n\n(Ctrl-C to stop)\n` : `${text}\n\n`);
    } catch (err) {
      process.stdout.write(`${(err as Error).message}\n`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return 0;
}

/** `scaleout load …`: a shop run defaults to this stack's DNS (its address plan), a get URL is given. */
async function load(args: string[]): Promise<number> {
  const net = readStackState(paths.stateFile)?.net ?? process.env.SCALEOUT_NET ?? '127.0';
  const withDefaults = [...args];
  if (args[0] === 'shop' && !args.includes('--dns') && !args.includes('--base-url')) withDefaults.push('--dns', `${controlHost(net)}:${DNS_PORT}`);
  return loadCommand(withDefaults);
}

async function scale(args: string[]): Promise<number> {
  const m = /^([a-z-]+)=(\d+)$/.exec(args[0] ?? '');
  if (!m) throw new StackError('STACK_ERR_USAGE', 'usage: scaleout scale <service>=N (e.g. web=4)');
  const rows = await client().scale(m[1]!, Number(m[2]));
  console.log(formatStatus(rows));
  return 0;
}

async function action(name: string, args: string[]): Promise<number> {
  const instance = args[0];
  if (!instance) throw new StackError('STACK_ERR_USAGE', `usage: scaleout ${name} <instance>`);
  const s = await client().action(instance, name);
  console.log(formatStatus([s]));
  return 0;
}

async function logs(args: string[]): Promise<number> {
  const follow = flag(args, '-f') || flag(args, '--follow');
  const n = Number(option(args, ['-n', '--lines']) ?? 100);
  const instance = args[0];
  if (!instance) throw new StackError('STACK_ERR_USAGE', 'usage: scaleout logs <instance> [-n N] [-f]');
  const file = join(paths.logs, `${instance}.log`);
  if (!existsSync(file)) throw new StackError('STACK_ERR_UNKNOWN_INSTANCE', `no log for ${instance} in ${paths.logs}`, 404);
  process.stdout.write(tailFile(file, n));
  if (!follow) return 0;
  let offset = statSync(file).size;
  await new Promise<void>((resolve) => {
    watchFile(file, { interval: 300 }, (cur) => {
      if (cur.size < offset) offset = 0;
      if (cur.size > offset) {
        createReadStream(file, { start: offset, end: cur.size - 1 }).pipe(process.stdout, { end: false });
        offset = cur.size;
      }
    });
    process.once('SIGINT', () => {
      unwatchFile(file);
      resolve();
    });
  });
  return 0;
}

/** Calls the admin API of the first db-proxy that answers (both agree on the writer). */
function proxyAdmin(path: string, body: unknown): Promise<unknown> {
  const net = readStackState(paths.stateFile)?.net ?? process.env.SCALEOUT_NET ?? '127.0';
  const urls = [1, 2].map((n) => `http://${stackAddress(net, 5, n)}:${PROXY_ADMIN_PORT}`);
  return callFirstAdmin(urls, token, { method: 'POST', path, body, timeoutMs: 120_000 });
}

async function switchover(args: string[]): Promise<number> {
  const to = option(args, ['--to']);
  const result = await proxyAdmin('/api/switchover', to ? { to } : {});
  console.log(JSON.stringify(result, null, 2));
  return 0;
}

async function rejoin(args: string[]): Promise<number> {
  const force = flag(args, '--force');
  const name = args[0];
  if (!name) throw new StackError('STACK_ERR_USAGE', 'usage: scaleout rejoin <db> [--force]');
  const result = await proxyAdmin(`/api/backends/${encodeURIComponent(name)}/rejoin`, force ? { force: true } : {});
  console.log(JSON.stringify(result, null, 2));
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  const cmd = args.shift();
  switch (cmd) {
    case 'up':
      return up(args);
    case 'down':
      return down();
    case 'status':
      return status(args);
    case 'scale':
      return scale(args);
    case 'load':
      return load(args);
    case 'kill':
    case 'pause':
    case 'resume':
    case 'restart':
    case 'stop':
      return action(cmd, args);
    case 'logs':
      return logs(args);
    case 'switchover':
      return switchover(args);
    case 'rejoin':
      return rejoin(args);
    case 'scenario':
      return scenarioCommand(args);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command: ${cmd}\n\n${USAGE}`);
      return 2;
  }
}
