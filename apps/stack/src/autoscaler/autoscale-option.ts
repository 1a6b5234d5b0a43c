import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { autoscaleConfigFromEnv, parseAutoscaleConfig, type AutoscaleConfig } from '@scaleout/autoscale';
import { StackError } from '../stack-error.js';

export interface AutoscaleOption {
  config: AutoscaleConfig;
  /** The arguments that give the same config to a detached `up`. */
  args: string[];
}

/**
 * Takes `--autoscale` out of `up`'s arguments: alone, the config comes from the `AUTOSCALE_*` variables
 * (the defaults without any); `--autoscale FILE.json` reads the stack spec's `autoscale` object (short or
 * long form, or a file whose top level has an `autoscale` field). Validated here, before anything starts:
 * a bad config throws AUTOSCALE_ERR_CONFIG with a one-line message.
 */
export function takeAutoscaleOption(args: string[], env: Readonly<Record<string, string | undefined>> = process.env): AutoscaleOption | undefined {
  const i = args.indexOf('--autoscale');
  if (i < 0) return undefined;
  const next = args[i + 1];
  const file = next !== undefined && !next.startsWith('-') ? resolve(next) : undefined;
  args.splice(i, file ? 2 : 1);
  if (!file) return { config: autoscaleConfigFromEnv(env), args: ['--autoscale'] };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new StackError('STACK_ERR_USAGE', `--autoscale ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const obj = raw && typeof raw === 'object' && 'autoscale' in raw ? (raw as { autoscale: unknown }).autoscale : raw;
  return { config: parseAutoscaleConfig(obj), args: ['--autoscale', file] };
}
