import { createHash, randomBytes } from 'node:crypto';
import { ReedSolomon, layoutFor, meetsWriteQuorum, placementsFor, shardChecksum, type Layout, type Placement } from '@scaleout/erasure';
import { Drive, decodeShardFile, encodeShardFile, keyHash, type ShardHeader } from './drive.js';
import type { MediaMetrics } from './media-metrics.js';
import { S3Error } from './s3-error.js';

export interface BucketInfo {
  name: string;
  level: string;
  created: string;
}

export interface ObjectInfo {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  contentType: string;
  cacheControl?: string;
  lastModified: string;
  version: string;
  level: string;
}

export interface PutInput {
  bucket: string;
  key: string;
  body: Buffer;
  contentType?: string;
  cacheControl?: string;
  /** ETag to store instead of the body's MD5 (multipart: MD5 of the part MD5s + `-N`). */
  etag?: string;
}

/** Keys starting with NUL are internal (multipart parts); user keys cannot contain NUL. */
export const INTERNAL_PREFIX = '\0';

/** What reading one object's shards found. */
interface ShardRead {
  placement: Placement;
  drive: Drive;
  state: 'ok' | 'missing' | 'corrupt' | 'stale' | 'offline';
  header?: ShardHeader;
  data?: Buffer;
}

export interface ScrubReport {
  objects: number;
  shardsChecked: number;
  missing: number;
  corrupt: number;
  stale: number;
  healed: number;
  unrecoverable: number;
  orphansRemoved: number;
}

const newVersion = () => `${Date.now().toString().padStart(15, '0')}-${randomBytes(6).toString('hex')}`;

/**
 * One erasure set over all drives of all media servers (modelled as drive groups in one process).
 * Every object is split with its bucket's level, one shard copy per drive, a SHA-256 per shard.
 */
export class ErasureSet {
  readonly drives: Drive[];
  /** Drive indices in server-interleaved order (neighbours on different servers). */
  readonly order: number[];
  readonly setId: string;
  readonly #codecs = new Map<string, ReedSolomon>();
  readonly #metrics: MediaMetrics | undefined;
  readonly #pendingHeals = new Set<Promise<void>>();
  readonly #locks = new Map<string, Promise<unknown>>();
  /** Objects known to miss a shard copy (`bucket/key`), for the degraded gauge. */
  readonly degraded = new Set<string>();

  constructor(drives: Drive[], setId: string, metrics?: MediaMetrics) {
    this.drives = drives;
    this.setId = setId;
    this.#metrics = metrics;
    const servers = Math.max(...drives.map((d) => d.server)) + 1;
    const perServer = Math.max(...drives.map((d) => d.slot)) + 1;
    this.order = [];
    for (let slot = 0; slot < perServer; slot++) {
      for (let s = 0; s < servers; s++) {
        const d = drives.find((x) => x.server === s && x.slot === slot);
        if (d) this.order.push(d.index);
      }
    }
  }

  get onlineCount(): number {
    return this.drives.filter((d) => d.usable).length;
  }

  layout(level: string): Layout {
    return layoutFor(level, this.drives.length);
  }

  codec(layout: Layout): ReedSolomon {
    const id = `${layout.dataShards}+${layout.parityShards}`;
    let c = this.#codecs.get(id);
    if (!c) {
      c = new ReedSolomon(layout.dataShards, layout.parityShards);
      this.#codecs.set(id, c);
    }
    return c;
  }

  placements(layout: Layout, bucket: string, key: string): Placement[] {
    const offset = createHash('sha256').update(`${bucket}/${key}`).digest().readUInt32BE(0) % this.drives.length;
    return placementsFor(layout, offset, this.order);
  }

  /**
   * Runs `fn` while holding the object's lock: commits of writes, deletes and heals of one object
   * never interleave, so every drive ends with the same version (a concurrent overwrite cannot leave
   * version A on some drives and B on others).
   */
  async #withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#locks.get(id) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.#locks.set(id, tail);
    try {
      return await run;
    } finally {
      if (this.#locks.get(id) === tail) this.#locks.delete(id);
    }
  }

  /** Waits for background heals started by reads (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.#pendingHeals.size > 0) await Promise.allSettled([...this.#pendingHeals]);
  }

  #markDegraded(id: string, degraded: boolean): void {
    if (degraded) this.degraded.add(id);
    else this.degraded.delete(id);
    this.#metrics?.degraded.set(this.degraded.size);
  }

  // ---- buckets ----------------------------------------------------------------------------------

  #bucketCache: Promise<BucketInfo[]> | undefined;

  /** Drops the cached bucket list (after a drive changes state). */
  invalidateBuckets(): void {
    this.#bucketCache = undefined;
  }

  /** The buckets (read from the drives once, then cached: this process owns every drive). */
  listBuckets(): Promise<BucketInfo[]> {
    this.#bucketCache ??= this.#readBuckets().catch((err: unknown) => {
      this.#bucketCache = undefined;
      throw err;
    });
    return this.#bucketCache;
  }

  async #readBuckets(): Promise<BucketInfo[]> {
    const seen = new Map<string, BucketInfo>();
    for (const d of this.drives) {
      if (!d.usable) continue;
      for (const b of await d.listBuckets()) {
        const info = b as unknown as BucketInfo;
        if (typeof info.name === 'string' && !seen.has(info.name)) seen.set(info.name, info);
      }
    }
    return [...seen.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async bucket(name: string): Promise<BucketInfo | undefined> {
    return (await this.listBuckets()).find((b) => b.name === name);
  }

  async requireBucket(name: string): Promise<BucketInfo> {
    const b = await this.bucket(name);
    if (!b) throw new S3Error('NoSuchBucket', 404, 'The specified bucket does not exist');
    return b;
  }

  async createBucket(name: string, level: string): Promise<BucketInfo> {
    this.layout(level); // throws when the level does not fit the set
    if (await this.bucket(name)) throw new S3Error('BucketAlreadyOwnedByYou', 409, 'Your previous request to create the named bucket succeeded and you already own it.');
    const majority = Math.floor(this.drives.length / 2) + 1;
    if (this.onlineCount < majority) throw new S3Error('ServiceUnavailable', 503, `only ${this.onlineCount} of ${this.drives.length} drives online; creating a bucket needs ${majority}`);
    const info: BucketInfo = { name, level, created: new Date().toISOString() };
    this.invalidateBuckets();
    let ok = 0;
    await Promise.all(this.drives.filter((d) => d.usable).map(async (d) => {
      try {
        await d.writeBucket(name, info);
        ok++;
      } catch {
        // counted below
      }
    }));
    this.invalidateBuckets();
    if (ok < majority) throw new S3Error('ServiceUnavailable', 503, `bucket written to ${ok} drives, ${majority} needed`);
    return info;
  }

  async deleteBucket(name: string): Promise<void> {
    await this.requireBucket(name);
    const page = await this.list(name, { maxKeys: 1 });
    if (page.objects.length > 0) throw new S3Error('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty');
    this.invalidateBuckets();
    await Promise.all(this.drives.filter((d) => d.usable).map((d) => d.deleteBucket(name)));
    this.invalidateBuckets();
  }

  // ---- objects ----------------------------------------------------------------------------------

  /**
   * Writes an object: every shard copy is staged (written and fsynced) on its drive; only when the
   * layout's write quorum (k+1 copies, every data index) is durable are the staged files renamed into
   * place. Below quorum every staged file is removed and the write fails with 503: nothing of it is
   * visible, the previous version (if any) stays.
   */
  async put(input: PutInput): Promise<ObjectInfo> {
    const bucket = await this.requireBucket(input.bucket);
    const layout = this.layout(bucket.level);
    const rs = this.codec(layout);
    const shards = rs.split(input.body);
    const checksums = shards.map((s) => shardChecksum(s));
    const etag = input.etag ?? createHash('md5').update(input.body).digest('hex');
    const base: Omit<ShardHeader, 'shard' | 'checksum'> = {
      bucket: input.bucket,
      key: input.key,
      version: newVersion(),
      size: input.body.length,
      etag,
      contentType: input.contentType ?? 'application/octet-stream',
      ...(input.cacheControl ? { cacheControl: input.cacheControl } : {}),
      lastModified: new Date().toISOString(),
      level: bucket.level,
      dataShards: layout.dataShards,
      parityShards: layout.parityShards,
      copies: layout.copies,
      shardSize: shards[0]!.length,
    };
    const placements = this.placements(layout, input.bucket, input.key);
    const staged: { p: Placement; drive: Drive; tmp: string }[] = [];
    await Promise.all(placements.map(async (p) => {
      const drive = this.drives[p.drive]!;
      if (!drive.usable) return;
      try {
        const header: ShardHeader = { ...base, shard: p.shard, checksum: checksums[p.shard]! };
        const tmp = await drive.stage(encodeShardFile(header, shards[p.shard]!));
        staged.push({ p, drive, tmp });
      } catch {
        // a failing drive: it does not count towards the quorum
      }
    }));
    if (!meetsWriteQuorum(layout, staged.map((s) => s.p.shard))) {
      await Promise.all(staged.map((s) => s.drive.discard(s.tmp)));
      this.#metrics?.quorumFailures.inc({ op: 'put' });
      throw new S3Error(
        'ServiceUnavailable',
        503,
        `write quorum not met: ${staged.length} of ${layout.placements} shard copies durable, ${layout.writeQuorum} needed (${bucket.level}); nothing was written`,
      );
    }
    let committed = 0;
    await this.#withLock(`${input.bucket}/${input.key}`, () =>
      Promise.all(staged.map(async (s) => {
        try {
          await s.drive.commit(s.tmp, input.bucket, input.key);
          committed++;
        } catch {
          await s.drive.discard(s.tmp);
        }
      })),
    );
    this.#markDegraded(`${input.bucket}/${input.key}`, committed < layout.placements);
    return { ...base, key: input.key, bucket: input.bucket };
  }

  async #readAll(layout: Layout, bucket: string, key: string, withData: boolean): Promise<ShardRead[]> {
    const placements = this.placements(layout, bucket, key);
    return Promise.all(placements.map(async (placement): Promise<ShardRead> => {
      const drive = this.drives[placement.drive]!;
      if (!drive.usable) return { placement, drive, state: 'offline' };
      let buf: Buffer | null;
      try {
        buf = await drive.readShard(bucket, key);
      } catch {
        return { placement, drive, state: 'offline' };
      }
      if (!buf) return { placement, drive, state: 'missing' };
      try {
        const { header, data } = decodeShardFile(buf);
        if (header.key !== key || header.shard !== placement.shard) return { placement, drive, state: 'corrupt' };
        if (withData && (data.length !== header.shardSize || shardChecksum(data) !== header.checksum)) {
          return { placement, drive, state: 'corrupt', header };
        }
        return { placement, drive, state: 'ok', header, data };
      } catch {
        return { placement, drive, state: 'corrupt' };
      }
    }));
  }

  /** Picks the newest version with at least k distinct intact shards; marks older ones stale. */
  #choose(reads: ShardRead[], layout: Layout): { header: ShardHeader; good: ShardRead[] } | { header?: undefined; unreadable: ShardHeader | undefined } {
    const versions = new Map<string, ShardRead[]>();
    for (const r of reads) {
      if (r.state !== 'ok' || !r.header) continue;
      const list = versions.get(r.header.version) ?? [];
      list.push(r);
      versions.set(r.header.version, list);
    }
    const sorted = [...versions.keys()].sort().reverse();
    for (const v of sorted) {
      const good = versions.get(v)!;
      if (new Set(good.map((g) => g.placement.shard)).size >= layout.readQuorum) {
        for (const r of reads) if (r.state === 'ok' && r.header!.version !== v) r.state = r.header!.version < v ? 'stale' : 'corrupt';
        return { header: good[0]!.header!, good };
      }
    }
    const newest = sorted[0] ? versions.get(sorted[0])![0]!.header : reads.find((r) => r.header)?.header;
    return { unreadable: newest };
  }

  /** Head: the newest readable version's metadata (headers only, no shard checksums). */
  async head(bucketName: string, key: string): Promise<ObjectInfo> {
    const bucket = await this.requireBucket(bucketName);
    const layout = this.layout(bucket.level);
    const reads = await this.#readAll(layout, bucketName, key, false);
    const chosen = this.#choose(reads, layout);
    if (!chosen.header) throw this.#unreadable(reads, layout, chosen.unreadable);
    return infoOf(chosen.header);
  }

  #unreadable(reads: ShardRead[], layout: Layout, header: ShardHeader | undefined): S3Error {
    const available = reads.filter((r) => r.state !== 'offline').length;
    const haveAny = reads.some((r) => r.state === 'ok' || r.state === 'corrupt');
    if (!haveAny && available >= Math.min(layout.writeQuorum, layout.placements)) {
      return new S3Error('NoSuchKey', 404, 'The specified key does not exist.');
    }
    if (!haveAny && available === 0) return new S3Error('ServiceUnavailable', 503, 'no drive holding this object is online');
    if (!haveAny) return new S3Error('ServiceUnavailable', 503, `only ${available} of ${layout.placements} drives of this object are online; cannot tell whether it exists`);
    const intact = new Set(reads.filter((r) => r.state === 'ok').map((r) => r.placement.shard)).size;
    const lost = layout.parityShards === 0 && layout.copies === 1 ? ` (${header?.level ?? 'raid0'} has no redundancy: a lost drive loses its data)` : '';
    this.#metrics?.quorumFailures.inc({ op: 'get' });
    return new S3Error('ServiceUnavailable', 503, `read quorum not met: ${intact} of ${layout.readQuorum} needed shards intact${lost}`);
  }

  /**
   * Reads an object: every shard copy is read and checked against its SHA-256; with at least k intact
   * shards the data is rebuilt if needed and returned, and every missing, corrupt or stale copy on an
   * online drive is rewritten in the background (heal on read).
   */
  async get(bucketName: string, key: string): Promise<{ info: ObjectInfo; body: Buffer }> {
    const bucket = await this.requireBucket(bucketName);
    const layout = this.layout(bucket.level);
    const reads = await this.#readAll(layout, bucketName, key, true);
    const chosen = this.#choose(reads, layout);
    if (!chosen.header) throw this.#unreadable(reads, layout, chosen.unreadable);
    const { header } = chosen;
    const shards = this.#assemble(chosen.good, layout);
    const rs = this.codec(layout);
    const bad = reads.filter((r) => r.state !== 'ok');
    const healable = bad.filter((r) => r.state !== 'offline');
    rs.reconstruct(shards, { onlyData: healable.length === 0 });
    const body = rs.join(shards, header.size);
    if (healable.length > 0) {
      const job: Promise<void> = this.#heal(header, shards, healable, 'read').then(
        () => undefined,
        () => undefined,
      ).finally(() => this.#pendingHeals.delete(job));
      this.#pendingHeals.add(job);
    } else {
      this.#markDegraded(`${bucketName}/${key}`, bad.length > 0);
    }
    for (const r of bad) if (r.state === 'corrupt') this.#metrics?.corruptShards.inc();
    return { info: infoOf(header), body };
  }

  #assemble(good: ShardRead[], layout: Layout): (Uint8Array | null)[] {
    const shards: (Uint8Array | null)[] = new Array(layout.dataShards + layout.parityShards).fill(null);
    for (const g of good) shards[g.placement.shard] ??= g.data!;
    return shards;
  }

  async #heal(header: ShardHeader, shards: (Uint8Array | null)[], targets: ShardRead[], reason: 'read' | 'rebuild' | 'scrub'): Promise<number> {
    let healed = 0;
    await this.#withLock(`${header.bucket}/${header.key}`, async () => {
      for (const t of targets) {
        const data = shards[t.placement.shard]!;
        const h: ShardHeader = { ...header, shard: t.placement.shard, checksum: shardChecksum(data), shardSize: data.length };
        try {
          // A write or delete since the read wins: never put an older version back.
          if (await this.#changedSince(t.drive, header)) continue;
          const tmp = await t.drive.stage(encodeShardFile(h, data));
          await t.drive.commit(tmp, header.bucket, header.key);
          healed++;
          this.#metrics?.heals.inc({ reason });
          this.#metrics?.healedBytes.inc(data.length);
        } catch {
          // the drive failed again; the next read or scrub retries
        }
      }
    });
    const offline = this.placements(this.layout(header.level), header.bucket, header.key).some((p) => !this.drives[p.drive]!.usable);
    this.#markDegraded(`${header.bucket}/${header.key}`, offline || healed < targets.length);
    return healed;
  }

  /** True when the object changed on `drive` after `header` was read (newer version there, or deleted everywhere readable). */
  async #changedSince(drive: Drive, header: ShardHeader): Promise<boolean> {
    const buf = await drive.readShard(header.bucket, header.key).catch(() => null);
    if (buf) {
      try {
        return decodeShardFile(buf).header.version > header.version;
      } catch {
        return false;
      }
    }
    // Missing here: was the object deleted meanwhile? Then no other drive holds this version either.
    const layout = this.layout(header.level);
    const others = this.placements(layout, header.bucket, header.key).filter((p) => p.drive !== drive.index);
    for (const p of others) {
      const b = await this.drives[p.drive]!.readShard(header.bucket, header.key).catch(() => null);
      if (b) return false;
    }
    return true;
  }

  /** Deletes every shard copy. Needs as many online drives as a write, so a deleted object cannot come back from the others. */
  async delete(bucketName: string, key: string): Promise<void> {
    const bucket = await this.requireBucket(bucketName);
    const layout = this.layout(bucket.level);
    const placements = this.placements(layout, bucketName, key);
    const online = placements.filter((p) => this.drives[p.drive]!.usable);
    if (online.length < layout.writeQuorum) {
      this.#metrics?.quorumFailures.inc({ op: 'delete' });
      throw new S3Error('ServiceUnavailable', 503, `delete quorum not met: ${online.length} of ${layout.placements} drives of this object online, ${layout.writeQuorum} needed`);
    }
    await this.#withLock(`${bucketName}/${key}`, () => Promise.all(online.map((p) => this.drives[p.drive]!.deleteShard(bucketName, key).catch(() => false))));
    this.#markDegraded(`${bucketName}/${key}`, false);
  }

  /** Every object of a bucket (newest readable version per key), sorted by key. */
  async scan(bucketName: string, layout: Layout): Promise<Map<string, ShardHeader>> {
    const counts = new Map<string, Map<string, { header: ShardHeader; shards: Set<number> }>>();
    for (const d of this.drives) {
      if (!d.usable) continue;
      for (const hash of await d.listShards(bucketName)) {
        if (!/^[0-9a-f]{64}$/.test(hash)) continue;
        const buf = await d.readShardByHash(bucketName, hash);
        if (!buf) continue;
        let header: ShardHeader;
        try {
          header = decodeShardFile(buf).header;
        } catch {
          continue;
        }
        if (keyHash(header.key) !== hash) continue;
        const byVersion = counts.get(header.key) ?? new Map<string, { header: ShardHeader; shards: Set<number> }>();
        const v = byVersion.get(header.version) ?? { header, shards: new Set<number>() };
        v.shards.add(header.shard);
        byVersion.set(header.version, v);
        counts.set(header.key, byVersion);
      }
    }
    const out = new Map<string, ShardHeader>();
    for (const [key, byVersion] of counts) {
      const newest = [...byVersion.values()].sort((a, b) => (a.header.version < b.header.version ? 1 : -1)).find((v) => v.shards.size >= layout.readQuorum);
      if (newest) out.set(key, newest.header);
    }
    return new Map([...out.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  }

  async list(
    bucketName: string,
    opts: { prefix?: string; delimiter?: string; startAfter?: string; maxKeys?: number },
  ): Promise<{ objects: ObjectInfo[]; prefixes: string[]; truncated: boolean; nextKey?: string }> {
    const bucket = await this.requireBucket(bucketName);
    const all = await this.scan(bucketName, this.layout(bucket.level));
    const prefix = opts.prefix ?? '';
    const max = opts.maxKeys ?? 1000;
    const objects: ObjectInfo[] = [];
    const prefixes: string[] = [];
    let truncated = false;
    let lastKey: string | undefined;
    for (const [key, header] of all) {
      if (key.startsWith(INTERNAL_PREFIX) || !key.startsWith(prefix)) continue;
      if (opts.startAfter !== undefined && key <= opts.startAfter) continue;
      let entry: { kind: 'prefix'; p: string } | { kind: 'object' } = { kind: 'object' };
      if (opts.delimiter) {
        const at = key.indexOf(opts.delimiter, prefix.length);
        if (at >= 0) entry = { kind: 'prefix', p: key.slice(0, at + opts.delimiter.length) };
      }
      if (entry.kind === 'prefix' && prefixes.at(-1) === entry.p) {
        lastKey = key;
        continue;
      }
      if (objects.length + prefixes.length >= max) {
        truncated = true;
        break;
      }
      if (entry.kind === 'prefix') prefixes.push(entry.p);
      else objects.push(infoOf(header));
      lastKey = key;
    }
    return { objects, prefixes, truncated, ...(truncated && lastKey !== undefined ? { nextKey: lastKey } : {}) };
  }

  // ---- rebuild and scrub ------------------------------------------------------------------------

  /**
   * Checks every shard copy of every object (full read with checksums), rewrites missing, corrupt
   * and stale copies on online drives, and removes orphan shards (versions below read quorum whose
   * key has no readable version, e.g. a delete that missed a drive). `onlyDrive` restricts the work
   * to objects with a copy on that drive (the rebuild of a replaced drive).
   */
  async scrub(options: { onlyDrive?: number; reason?: 'scrub' | 'rebuild'; onProgress?: (done: number, total: number) => void } = {}): Promise<ScrubReport> {
    const reason = options.reason ?? 'scrub';
    const report: ScrubReport = { objects: 0, shardsChecked: 0, missing: 0, corrupt: 0, stale: 0, healed: 0, unrecoverable: 0, orphansRemoved: 0 };
    const buckets = await this.listBuckets();
    const work: { bucket: BucketInfo; layout: Layout; key: string }[] = [];
    for (const bucket of buckets) {
      const layout = this.layout(bucket.level);
      const objects = await this.scan(bucket.name, layout);
      for (const key of objects.keys()) {
        if (options.onlyDrive !== undefined && !this.placements(layout, bucket.name, key).some((p) => p.drive === options.onlyDrive)) continue;
        work.push({ bucket, layout, key });
      }
      if (options.onlyDrive === undefined) report.orphansRemoved += await this.#removeOrphans(bucket.name, objects);
    }
    let done = 0;
    for (const { bucket, layout, key } of work) {
      report.objects++;
      const reads = await this.#readAll(layout, bucket.name, key, true);
      const chosen = this.#choose(reads, layout);
      report.shardsChecked += reads.filter((r) => r.state !== 'offline').length;
      if (!chosen.header) {
        report.unrecoverable++;
        this.#markDegraded(`${bucket.name}/${key}`, true);
      } else {
        const targets = reads.filter((r) => r.state === 'missing' || r.state === 'corrupt' || r.state === 'stale');
        for (const t of targets) report[t.state as 'missing' | 'corrupt' | 'stale']++;
        if (targets.length > 0) {
          const shards = this.#assemble(chosen.good, layout);
          this.codec(layout).reconstruct(shards);
          report.healed += await this.#heal(chosen.header, shards, targets, reason);
        } else {
          this.#markDegraded(`${bucket.name}/${key}`, reads.some((r) => r.state === 'offline'));
        }
      }
      done++;
      options.onProgress?.(done, work.length);
    }
    return report;
  }

  async #removeOrphans(bucket: string, readable: Map<string, ShardHeader>): Promise<number> {
    let removed = 0;
    const keep = new Set([...readable.keys()].map(keyHash));
    for (const d of this.drives) {
      if (!d.usable) continue;
      for (const hash of await d.listShards(bucket)) {
        if (keep.has(hash)) continue;
        // Only remove when every drive of the set is online (otherwise the missing copies may be
        // elsewhere) and the shard is over a minute old (not a write committing right now).
        if (this.onlineCount < this.drives.length) continue;
        const buf = await d.readShardByHash(bucket, hash);
        if (!buf) continue;
        try {
          if (Date.now() - Number(decodeShardFile(buf).header.version.slice(0, 15)) < 60_000) continue;
        } catch {
          // unreadable header: an orphan whatever its age
        }
        await d.deleteShardByHash(bucket, hash);
        removed++;
      }
    }
    return removed;
  }
}

function infoOf(h: ShardHeader): ObjectInfo {
  return {
    bucket: h.bucket,
    key: h.key,
    size: h.size,
    etag: h.etag,
    contentType: h.contentType,
    ...(h.cacheControl ? { cacheControl: h.cacheControl } : {}),
    lastModified: h.lastModified,
    version: h.version,
    level: h.level,
  };
}
