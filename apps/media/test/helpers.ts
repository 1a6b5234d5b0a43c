// Shared helpers of the media tests: a real apps/media process and a real AWS SDK client.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { freePort, tempDir, waitFor } from '@scaleout/testing';

export { sleep, waitFor } from '@scaleout/testing';

type After = { after(fn: () => unknown): void };

const SERVER = fileURLToPath(new URL('../src/server.ts', import.meta.url));
export const ACCESS_KEY = 'mediatest';
export const SECRET_KEY = 'media-test-secret';
export const ADMIN_TOKEN = 'media-admin-token';

export interface MediaProcess {
  url: string;
  dataDir: string;
  child: ChildProcess;
  output: () => string;
  client: S3Client;
  admin(path: string, method?: string): Promise<Record<string, unknown>>;
  metric(name: string): Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `src/server.ts` on a free loopback port with a fresh data folder (or `dataDir`); stopped after the test. */
export async function startMedia(t: After, env: Record<string, string> = {}, dataDir = tempDir('scaleout-media-')): Promise<MediaProcess> {
  const port = await freePort('127.0.0.1');
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      MEDIA_INSTANCE: 'media-test',
      MEDIA_HOST: '127.0.0.1',
      MEDIA_PORT: String(port),
      MEDIA_DATA_DIR: dataDir,
      MEDIA_ACCESS_KEY: ACCESS_KEY,
      MEDIA_SECRET_KEY: SECRET_KEY,
      MEDIA_DRIVE_CHECK_INTERVAL: '100ms',
      MEDIA_LOG_LEVEL: 'info',
      SCALEOUT_ADMIN_TOKEN: ADMIN_TOKEN,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const ready = await waitFor(async () => {
    if (child.exitCode !== null) return true;
    try {
      return (await fetch(`${url}/readyz`)).status === 200;
    } catch {
      return false;
    }
  }, 20_000, 100);
  if (!ready || child.exitCode !== null) {
    child.kill('SIGKILL');
    throw new Error(`media server did not start:\n${out}`);
  }
  const client = new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    maxAttempts: 1,
  });
  const proc: MediaProcess = {
    url,
    dataDir,
    child,
    output: () => out,
    client,
    async admin(path, method = 'GET') {
      const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    },
    async metric(name) {
      const text = await (await fetch(`${url}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        if (line.startsWith('#')) continue;
        const [series, value] = line.split(' ');
        if (series && value && (series === name || series.startsWith(`${name}{`))) sum += Number(value);
      }
      return sum;
    },
    async stop(signal = 'SIGTERM') {
      client.destroy();
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
  t.after(async () => {
    await proc.stop();
  });
  return proc;
}

/** The S3 error a call rejects with (fails the test when it resolves or throws something else). */
export async function sdkError(p: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof S3ServiceException, String(err));
    return err;
  }
  assert.fail('expected an S3 error');
}
