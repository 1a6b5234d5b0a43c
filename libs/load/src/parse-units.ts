import { LoadError } from './load-error.js';
import type { RateSpec } from './types.js';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** `500ms`, `30s`, `1.5m`, `1h` → milliseconds; a bare number is seconds. */
export function parseDurationMs(text: string, what = 'duration'): number {
  const t = text.trim();
  if (/^\d+(?:\.\d+)?$/.test(t)) return Number(t) * 1000;
  const m = DURATION.exec(t);
  if (!m) throw new LoadError(what === 'duration' ? 'LOAD_ERR_DURATION' : 'LOAD_ERR_USAGE', `bad ${what} "${text}": expected e.g. 500ms, 30s, 2m, 1h`);
  const n = Number(m[1]);
  const unit = m[2];
  return unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
}

const RATE = /^(\d+(?:\.\d+)?)(k)?(?:\/(s|m))?$/;

/** `2000/s`, `2k/s`, `120/m`, `2000` → per second. */
export function parseRateValue(text: string): number {
  const m = RATE.exec(text.trim());
  if (!m) throw new LoadError('LOAD_ERR_RATE', `bad rate "${text}": expected e.g. 2000/s, 2k/s or 120/m`);
  let n = Number(m[1]) * (m[2] ? 1000 : 1);
  if (m[3] === 'm') n /= 60;
  return n;
}

/**
 * A rate: `2000/s` (constant), `100..5000/s over 60s` (ramp) or `100/s for 10s, 500/s for 10s` (steps).
 */
export function parseRateSpec(text: string): RateSpec {
  const t = text.trim();
  const ramp = /^(\S+?)\s*\.\.\s*(\S+?)\s+over\s+(\S+)$/.exec(t);
  if (ramp) {
    const unit = /\/(s|m)$/.exec(ramp[2]!)?.[0] ?? '';
    const from = parseRateValue(/\/(s|m)$/.test(ramp[1]!) ? ramp[1]! : ramp[1]! + unit);
    const to = parseRateValue(ramp[2]!);
    const overMs = parseDurationMs(ramp[3]!, 'ramp length');
    if (overMs <= 0) throw new LoadError('LOAD_ERR_RATE', `bad ramp "${text}": the length must be > 0`);
    return { kind: 'ramp', from, to, overMs };
  }
  if (/\bfor\b/.test(t)) {
    const steps = t.split(',').map((part) => {
      const m = /^\s*(\S+)\s+for\s+(\S+)\s*$/.exec(part);
      if (!m) throw new LoadError('LOAD_ERR_RATE', `bad step "${part.trim()}" in "${text}": expected e.g. 100/s for 10s`);
      return { rate: parseRateValue(m[1]!), forMs: parseDurationMs(m[2]!, 'step length') };
    });
    return { kind: 'steps', steps };
  }
  return { kind: 'constant', rate: parseRateValue(t) };
}

/** `50ms` (fixed) or `0ms..200ms` (uniform) → [min, max] ms. */
export function parseThink(text: string): [number, number] {
  const parts = text.split('..');
  if (parts.length > 2) throw new LoadError('LOAD_ERR_USAGE', `bad think time "${text}": expected e.g. 50ms or 0ms..200ms`);
  const a = parseDurationMs(parts[0]!, 'think time');
  const b = parts.length === 2 ? parseDurationMs(parts[1]!, 'think time') : a;
  return [a, b];
}

/** `browse=50,search=10` → { browse: 50, search: 10 }. */
export function parseMix(text: string): Record<string, number> {
  const mix: Record<string, number> = {};
  for (const part of text.split(',')) {
    const m = /^\s*([a-z_]+)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!m) throw new LoadError('LOAD_ERR_MIX', `bad mix entry "${part.trim()}": expected name=weight, e.g. browse=50,login=10`);
    mix[m[1]!] = Number(m[2]);
  }
  return mix;
}

/** `host:port` → parts. */
export function parseHostPort(text: string, what: string): { host: string; port: number } {
  const m = /^([^:\s]+):(\d+)$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) throw new LoadError('LOAD_ERR_USAGE', `bad ${what} "${text}": expected host:port`);
  return { host: m[1]!, port };
}
