import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from '@scaleout/service';
import { Drive } from './drive.js';
import { ErasureSet, type ScrubReport } from './erasure-set.js';
import type { MediaMetrics } from './media-metrics.js';

export interface MediaServiceOptions {
  dataDir: string;
  servers: number;
  drivesPerServer: number;
  checkIntervalMs: number;
  scrubIntervalMs?: number;
  metrics?: MediaMetrics;
  logger?: Logger;
}

export interface DriveStatus {
  name: string;
  path: string;
  state: string;
  rebuildProgress: number;
}

/**
 * Owns the drives: formats a fresh set, probes every drive periodically (a removed or unreadable
 * folder goes offline; a folder that comes back empty is formatted into its slot and rebuilt in the
 * background from the other drives), and runs scrubs one at a time.
 */
export class MediaService {
  readonly set: ErasureSet;
  readonly #opts: MediaServiceOptions;
  #timer: NodeJS.Timeout | undefined;
  #scrubTimer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;
  #rebuilds = new Map<number, Promise<void>>();
  #scrub: Promise<ScrubReport> | undefined;
  lastScrub: (ScrubReport & { finishedAt: string }) | undefined;
  #closed = false;

  constructor(opts: MediaServiceOptions) {
    this.#opts = opts;
    const drives: Drive[] = [];
    for (let s = 0; s < opts.servers; s++) {
      for (let d = 0; d < opts.drivesPerServer; d++) {
        drives.push(new Drive(resolve(join(opts.dataDir, `media${s + 1}`, `drive${d + 1}`)), drives.length, s, d));
      }
    }
    const setId = createHash('sha256').update(`${opts.servers}x${opts.drivesPerServer}`).digest('hex').slice(0, 16);
    this.set = new ErasureSet(drives, setId, opts.metrics);
  }

  get drives(): Drive[] {
    return this.set.drives;
  }

  /** First start creates every drive folder; later starts only probe (a missing folder is a dead drive). */
  async start(): Promise<void> {
    const probes = await Promise.all(this.drives.map((d) => d.probe(this.set.setId)));
    if (probes.every((p) => p === 'missing' || p === 'empty')) {
      for (const d of this.drives) {
        await mkdir(d.path, { recursive: true });
        await d.format(this.set.setId);
      }
      this.#opts.logger?.info({ drives: this.drives.length, dataDir: this.#opts.dataDir }, 'formatted a new erasure set');
    }
    await this.checkDrives();
    this.#timer = setInterval(() => void this.checkDrives(), this.#opts.checkIntervalMs);
    this.#timer.unref();
    if (this.#opts.scrubIntervalMs) {
      this.#scrubTimer = setInterval(() => void this.scrub().catch(() => undefined), this.#opts.scrubIntervalMs);
      this.#scrubTimer.unref();
    }
  }

  checkDrives(): Promise<void> {
    this.#checking ??= this.#check().finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  async #check(): Promise<void> {
    const m = this.#opts.metrics;
    for (const d of this.drives) {
      const p = await d.probe(this.set.setId);
      const before = d.state;
      if (p === 'formatted') {
        if (d.state === 'offline') d.state = 'online';
      } else if (p === 'empty' && !this.#closed && !this.#rebuilds.has(d.index)) {
        try {
          await d.format(this.set.setId);
          this.#startRebuild(d);
        } catch (err) {
          this.#opts.logger?.error({ err, drive: d.name }, 'could not format a replaced drive');
          d.state = 'offline';
        }
      } else if (p === 'missing' || p === 'foreign') {
        d.state = 'offline';
      }
      if (before !== d.state) this.set.invalidateBuckets();
      if (before !== d.state) this.#opts.logger?.warn({ drive: d.name, path: d.path, from: before, to: d.state }, `drive ${d.name} is ${d.state}`);
      m?.driveUp.set({ drive: d.name }, d.state === 'offline' ? 0 : 1);
      m?.driveRebuilding.set({ drive: d.name }, d.state === 'rebuilding' ? 1 : 0);
    }
  }

  #startRebuild(d: Drive): void {
    const m = this.#opts.metrics;
    d.state = 'rebuilding';
    d.progress = 0;
    m?.rebuildProgress.set({ drive: d.name }, 0);
    const started = Date.now();
    this.#opts.logger?.warn({ drive: d.name }, `drive ${d.name} was replaced: rebuilding`);
    const job = (async () => {
      for (const b of await this.set.listBuckets()) await d.writeBucket(b.name, b);
      const report = await this.set.scrub({
        onlyDrive: d.index,
        reason: 'rebuild',
        onProgress: (done, total) => {
          d.progress = total === 0 ? 1 : done / total;
          m?.rebuildProgress.set({ drive: d.name }, d.progress);
        },
      });
      d.progress = 1;
      m?.rebuildProgress.set({ drive: d.name }, 1);
      if (d.state === 'rebuilding') d.state = 'online';
      this.#opts.logger?.info({ drive: d.name, ...report, ms: Date.now() - started }, `drive ${d.name} rebuilt`);
    })()
      .catch((err: unknown) => {
        this.#opts.logger?.error({ err, drive: d.name }, 'rebuild failed; retried at the next drive check');
        d.state = 'offline';
      })
      .finally(() => this.#rebuilds.delete(d.index));
    this.#rebuilds.set(d.index, job);
  }

  /** Resolves when no rebuild is running. */
  async rebuilt(): Promise<void> {
    while (this.#rebuilds.size > 0) await Promise.allSettled([...this.#rebuilds.values()]);
  }

  /** Runs a scrub (or joins the one running). */
  scrub(): Promise<ScrubReport> {
    this.#scrub ??= this.set
      .scrub()
      .then((r) => {
        this.lastScrub = { ...r, finishedAt: new Date().toISOString() };
        const m = this.#opts.metrics;
        m?.scrubs.inc();
        for (const [k, v] of Object.entries(r)) m?.scrubLast.set({ what: k }, v);
        this.#opts.logger?.info(r, 'scrub finished');
        return r;
      })
      .finally(() => (this.#scrub = undefined));
    return this.#scrub;
  }

  status(): DriveStatus[] {
    return this.drives.map((d) => ({ name: d.name, path: d.path, state: d.state, rebuildProgress: d.progress }));
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    clearInterval(this.#scrubTimer);
    await this.#checking;
    await this.set.settle();
    await Promise.allSettled([...this.#rebuilds.values()]);
    await this.#scrub?.catch(() => undefined);
  }
}
