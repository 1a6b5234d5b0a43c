// GET throughput of the media server (raid6 over 2×3 drive folders, presigned URLs) vs nginx serving
// the same bytes from one disk, each pinned to core 0, wrk on core 1, same run; prints the ratios.
// Run: npm run bench -w @scaleout/media   (BENCH_SECONDS, default 5)
import { spawnSync } from 'node:child_process';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { startNginx, tempDir } from '@scaleout/testing';
import { ACCESS_KEY, SECRET_KEY, startMedia } from '../test/helpers.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const SIZES = [4 * 1024, 100 * 1024, 4 * 1024 * 1024];

class Sha256 {
  #h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#h = secret === undefined ? createHash('sha256') : createHmac('sha256', typeof secret === 'string' ? secret : new Uint8Array(ArrayBuffer.isView(secret) ? secret.buffer : secret));
  }
  update(d: string | ArrayBuffer | ArrayBufferView): void {
    this.#h.update(typeof d === 'string' ? d : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : new Uint8Array(d));
  }
  async digest(): Promise<Uint8Array> {
    return this.#h.digest();
  }
  reset(): void {}
}

function wrk(url: string): { rps: number; p99: string; errors: number } {
  const script = join(tempDir('scaleout-wrk-'), 'get.lua');
  writeFileSync(script, 'wrk.method = "GET"\n');
  const out = spawnSync('taskset', ['-c', '1', 'wrk', '-t1', '-c8', `-d${SECONDS}s`, '--latency', '-s', script, url], { encoding: 'utf8', timeout: (SECONDS + 30) * 1000 });
  if (out.status !== 0) throw new Error(`wrk failed: ${out.stderr}`);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out.stdout)?.[1] ?? 0);
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out.stdout)?.[1]), p99: /99%\s+(\S+)/.exec(out.stdout)?.[1] ?? '?', errors: non2xx };
}

const cleanups: (() => unknown)[] = [];
try {
  const media = await startMedia({ after: (fn) => cleanups.push(fn) }, { MEDIA_DEFAULT_LEVEL: 'raid6', MEDIA_LOG_LEVEL: 'warn' });
  spawnSync('taskset', ['-a', '-p', '-c', '0', String(media.child.pid)]);
  await media.client.send(new CreateBucketCommand({ Bucket: 'bench' }));
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }, sha256: Sha256 });
  console.log(`GET, wrk -t1 -c8 -d${SECONDS}s; media (raid6, 6 drive folders) and nginx (1 worker) on core 0`);
  console.log('size       media req/s  p99        nginx req/s  p99        media/nginx');
  for (const size of SIZES) {
    const body = 'x'.repeat(size);
    await media.client.send(new PutObjectCommand({ Bucket: 'bench', Key: `obj-${size}`, Body: body, ContentType: 'text/html' }));
    const u = new URL(`/bench/obj-${size}`, media.url);
    const pre = await signer.presign({ method: 'GET', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: u.pathname, headers: { host: u.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }, { expiresIn: 3600 });
    const m = wrk(`${u.href}?${new URLSearchParams(pre.query as Record<string, string>).toString()}`);
    const nginx = await startNginx({ body, cpus: '0' });
    const n = wrk(nginx.url);
    await nginx.stop();
    const label = size >= 1024 * 1024 ? `${size / 1024 / 1024} MiB` : `${size / 1024} KiB`;
    console.log(`${label.padEnd(10)} ${m.rps.toFixed(0).padStart(11)}  ${m.p99.padEnd(9)}  ${n.rps.toFixed(0).padStart(11)}  ${n.p99.padEnd(9)}  ${(m.rps / n.rps).toFixed(3)}${m.errors + n.errors ? `  (non-2xx: media ${m.errors}, nginx ${n.errors})` : ''}`);
  }
} finally {
  for (const fn of cleanups.reverse()) await fn();
}
