import { LoadError } from './load-error.js';
import { parseDurationMs, parseHostPort, parseMix, parseRateSpec, parseThink } from './parse-units.js';
import type { LoadSpec } from './types.js';
import { DEFAULT_DNS, DEFAULT_DURATION_MS, validateLoadSpec } from './validate-spec.js';

export const LOAD_USAGE = `usage: scaleout load get URL|shop [--rate 2000/s | --rate '100..5000/s over 60s' | --rate '100/s for 10s, 500/s for 10s' | --connections N]
  [--duration 30s] [--requests N] [--timeout 5s] [--think 0ms..200ms] [--json FILE|-] [--progress]
  shop: [--mix browse=55,search=15,cart=14,checkout=8,orders=6,login=1,signup=1] [--users 100] [--dns 127.0.0.1:5300] [--name www.scaleout.test]
        [--http-port 8080] [--base-url http://127.0.1.1:8080 ...]`;

const WITH_VALUE = new Set([
  'rate', 'ramp', 'steps', 'connections', 'duration', 'requests', 'timeout', 'think', 'json', 'mix', 'users', 'dns', 'name', 'http-port', 'base-url',
]);
const FLAGS = new Set(['progress', 'no-progress']);

function int(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new LoadError('LOAD_ERR_USAGE', `bad ${what} "${text}": expected a whole number`);
  return Number(text);
}

/**
 * `get URL --rate 2000/s --duration 30s …` / `shop --rate 500/s …` → a validated spec. Throws a
 * {@link LoadError} with a one-line message on bad input.
 */
export function parseLoadArgs(argv: string[]): { spec: LoadSpec; json?: string; progress?: boolean } {
  const positional: string[] = [];
  const opts = new Map<string, string[]>();
  let progress: boolean | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (FLAGS.has(name)) {
      if (eq > 0) throw new LoadError('LOAD_ERR_USAGE', `--${name} takes no value`);
      progress = name === 'progress';
      continue;
    }
    if (!WITH_VALUE.has(name)) throw new LoadError('LOAD_ERR_USAGE', `unknown option --${name}`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new LoadError('LOAD_ERR_USAGE', `--${name} needs a value`);
    opts.set(name, [...(opts.get(name) ?? []), value]);
  }
  const one = (name: string): string | undefined => {
    const v = opts.get(name);
    if (v && v.length > 1 && name !== 'base-url') throw new LoadError('LOAD_ERR_USAGE', `--${name} given more than once`);
    return v?.[0];
  };
  const [workload, ...rest] = positional;
  if (!workload) throw new LoadError('LOAD_ERR_USAGE', 'missing workload: scaleout load get URL | scaleout load shop');
  if (workload !== 'get' && workload !== 'shop') throw new LoadError('LOAD_ERR_WORKLOAD', `unknown workload "${workload}": expected get or shop`);
  if (workload === 'get' && rest.length === 0) throw new LoadError('LOAD_ERR_USAGE', 'missing URL: scaleout load get http://127.x.y.z:port/path');
  if (rest.length > (workload === 'get' ? 1 : 0)) throw new LoadError('LOAD_ERR_USAGE', `unexpected argument "${rest[workload === 'get' ? 1 : 0]}"`);

  const rateTexts = ['rate', 'ramp', 'steps'].map(one).filter((x): x is string => x !== undefined);
  if (rateTexts.length > 1) throw new LoadError('LOAD_ERR_USAGE', 'give one of --rate, --ramp, --steps');
  const spec: LoadSpec = {
    workload,
    durationMs: one('duration') !== undefined ? parseDurationMs(one('duration')!) : DEFAULT_DURATION_MS,
  };
  if (workload === 'get') spec.url = rest[0];
  if (rateTexts[0] !== undefined) spec.rate = parseRateSpec(rateTexts[0]);
  if (one('connections') !== undefined) spec.connections = int(one('connections')!, 'connection count');
  if (one('requests') !== undefined) spec.maxRequests = int(one('requests')!, 'request count');
  if (one('timeout') !== undefined) spec.timeoutMs = parseDurationMs(one('timeout')!, 'timeout');
  if (one('think') !== undefined) spec.thinkMs = parseThink(one('think')!);
  if (one('mix') !== undefined) spec.mix = parseMix(one('mix')!);
  if (one('users') !== undefined) spec.users = int(one('users')!, 'member count');
  const baseUrls = (opts.get('base-url') ?? []).flatMap((u) => u.split(',')).filter(Boolean);
  if (baseUrls.length > 0) spec.baseUrls = baseUrls;
  if (workload === 'get') {
    for (const o of ['dns', 'name', 'http-port', 'base-url', 'users']) {
      if (opts.has(o)) throw new LoadError('LOAD_ERR_USAGE', `--${o} applies to the shop workload only`);
    }
  }
  if (workload === 'shop' && (opts.has('dns') || opts.has('name') || opts.has('http-port'))) {
    if (baseUrls.length > 0) throw new LoadError('LOAD_ERR_USAGE', 'give either --base-url or --dns/--name/--http-port');
    const hp = one('dns') !== undefined ? parseHostPort(one('dns')!, 'DNS server') : { host: DEFAULT_DNS.server, port: DEFAULT_DNS.port };
    spec.dns = {
      server: hp.host,
      port: hp.port,
      name: one('name') ?? DEFAULT_DNS.name,
      httpPort: one('http-port') !== undefined ? int(one('http-port')!, 'HTTP port') : DEFAULT_DNS.httpPort,
    };
  }
  const json = one('json');
  return { spec: validateLoadSpec(spec), ...(json !== undefined ? { json } : {}), ...(progress !== undefined ? { progress } : {}) };
}
