import { mkdirSync } from 'node:fs';
import { requireBinary, whichBinary } from './find-binary.js';
import { httpProbe } from '@scaleout/health';
import type { DaemonSpec } from './start-daemon.js';

export interface PrometheusOptions {
  name?: string;
  configFile: string;
  dataDir: string;
  host: string;
  port: number;
  /** Keep this much history. Default 2d. */
  retention?: string;
}

/** True when the `prometheus` binary is installed (the stack runs it only then). */
export function prometheusAvailable(): boolean {
  return whichBinary('prometheus') !== undefined;
}

export function prometheusSpec(options: PrometheusOptions): DaemonSpec {
  mkdirSync(options.dataDir, { recursive: true });
  return {
    name: options.name ?? 'prometheus',
    command: requireBinary('prometheus'),
    args: [
      `--config.file=${options.configFile}`,
      `--storage.tsdb.path=${options.dataDir}`,
      `--storage.tsdb.retention.time=${options.retention ?? '2d'}`,
      `--web.listen-address=${options.host}:${options.port}`,
      '--web.enable-lifecycle',
      '--log.format=json',
    ],
    ready: httpProbe({ url: `http://${options.host}:${options.port}/-/ready` }),
    readyTimeoutMs: 30_000,
    stopTimeoutMs: 10_000,
  };
}
