import type { Driver, DriverContext } from './driver.js';
import { HttpPool, type PoolRequest } from './http-pool.js';
import type { ErrorKind, LoadSpec } from './types.js';

/** `get URL`: one GET per arrival on a keep-alive pool. */
export class GetDriver implements Driver {
  private readonly pool: HttpPool;
  private readonly bytes: Buffer;
  private active = 0;

  constructor(
    spec: LoadSpec,
    private readonly ctx: DriverContext,
  ) {
    const url = new URL(spec.url!);
    const port = Number(url.port || 80);
    this.pool = new HttpPool({ host: url.hostname, port, maxConnections: spec.connections!, timeoutMs: spec.timeoutMs! });
    this.bytes = Buffer.from(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUser-Agent: scaleout-load\r\n\r\n`, 'latin1');
  }

  async prepare(): Promise<void> {}

  arrive(intended: number, done: () => void): boolean {
    const rec = this.ctx.recorder;
    this.active++;
    const req: PoolRequest = {
      bytes: this.bytes,
      idempotent: true,
      onSent: rec.onSent,
      cb: (err, res) => {
        const now = performance.now();
        this.active--;
        if (err !== null) rec.error(err, now);
        else {
          const status = res!.status;
          if (status >= 400) {
            const kind: ErrorKind = status >= 500 ? 'http_5xx' : 'http_4xx';
            rec.error(kind, now);
          } else rec.complete(now - intended, now);
        }
        done();
      },
    };
    const how = this.pool.request(req);
    if (how === 'queued') rec.onQueued();
    return how === 'sent';
  }

  inFlight(): number {
    return this.active;
  }

  requests(): number {
    return this.ctx.recorder.sent;
  }

  stats(): { maxConnections: number; extraConnections: number } {
    return { maxConnections: this.pool.peakConnections, extraConnections: this.pool.openedWhileBusy };
  }

  extras() {
    return {};
  }

  close(): void {
    this.pool.close();
  }
}
