import { createHash, randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The header stored in front of every shard file (JSON). */
export interface ShardHeader {
  bucket: string;
  key: string;
  /** Sortable version: zero-padded ms timestamp + random suffix; newest wins. */
  version: string;
  size: number;
  etag: string;
  contentType: string;
  cacheControl?: string;
  lastModified: string;
  level: string;
  dataShards: number;
  parityShards: number;
  copies: number;
  shard: number;
  shardSize: number;
  /** SHA-256 hex of the shard bytes (bitrot). */
  checksum: string;
}

export type DriveState = 'online' | 'offline' | 'rebuilding';

const MAGIC = Buffer.from('SOM1');

/** sha256 hex of an object key: its file name on a drive (so no key ever becomes a path). */
export function keyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function encodeShardFile(header: ShardHeader, data: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.allocUnsafe(4);
  len.writeUInt32BE(json.length);
  return Buffer.concat([MAGIC, len, json, data]);
}

/** Parses a shard file; throws on a malformed file (treated as corrupt). */
export function decodeShardFile(buf: Buffer): { header: ShardHeader; data: Buffer } {
  if (buf.length < 8 || !buf.subarray(0, 4).equals(MAGIC)) throw new Error('not a shard file');
  const len = buf.readUInt32BE(4);
  if (8 + len > buf.length) throw new Error('truncated shard header');
  const header = JSON.parse(buf.subarray(8, 8 + len).toString('utf8')) as ShardHeader;
  return { header, data: buf.subarray(8 + len) };
}

export interface DriveFormat {
  set: string;
  index: number;
  server: number;
  drive: number;
}

/**
 * One drive of the erasure set: a folder (a separate filesystem in production). Layout:
 * `.media/format.json` (which slot of which set), `.media/tmp/` (writes in progress),
 * `buckets/<name>.json`, `objects/<bucket>/<sha256(key)>` (one shard file per object).
 */
export class Drive {
  readonly path: string;
  readonly index: number;
  readonly server: number;
  readonly slot: number;
  state: DriveState = 'offline';
  /** Rebuild progress 0..1 while rebuilding. */
  progress = 1;

  constructor(path: string, index: number, server: number, slot: number) {
    this.path = path;
    this.index = index;
    this.server = server;
    this.slot = slot;
  }

  get name(): string {
    return `media${this.server + 1}/drive${this.slot + 1}`;
  }

  get usable(): boolean {
    return this.state !== 'offline';
  }

  #formatPath(): string {
    return join(this.path, '.media', 'format.json');
  }

  /** 'formatted' (matching slot), 'empty' (an empty folder), 'missing' (no folder) or 'foreign' (anything else). */
  async probe(set: string): Promise<'formatted' | 'empty' | 'missing' | 'foreign'> {
    try {
      const s = await stat(this.path);
      if (!s.isDirectory()) return 'missing';
    } catch {
      return 'missing';
    }
    try {
      const f = JSON.parse(await readFile(this.#formatPath(), 'utf8')) as DriveFormat;
      return f.set === set && f.index === this.index ? 'formatted' : 'foreign';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return 'foreign';
      // Only a truly empty folder is a replacement drive; anything else without a format (a drive
      // being removed, someone's files) is left alone.
      try {
        return (await readdir(this.path)).length === 0 ? 'empty' : 'foreign';
      } catch {
        return 'missing';
      }
    }
  }

  async format(set: string): Promise<void> {
    await mkdir(join(this.path, '.media', 'tmp'), { recursive: true });
    const f: DriveFormat = { set, index: this.index, server: this.server, drive: this.slot };
    await this.#writeDurable(this.#formatPath(), Buffer.from(JSON.stringify(f)));
  }

  shardPath(bucket: string, key: string): string {
    return join(this.path, 'objects', bucket, keyHash(key));
  }

  /** Writes `bytes` to a temp file and fsyncs it; returns the temp path (commit with {@link commit}). */
  async stage(bytes: Uint8Array): Promise<string> {
    const tmp = join(this.path, '.media', 'tmp', randomUUID());
    const fh = await open(tmp, constants.O_CREAT | constants.O_WRONLY | constants.O_EXCL, 0o644);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return tmp;
  }

  async commit(tmp: string, bucket: string, key: string): Promise<void> {
    const dir = join(this.path, 'objects', bucket);
    await mkdir(dir, { recursive: true });
    await rename(tmp, this.shardPath(bucket, key));
    await syncDir(dir);
  }

  async discard(tmp: string): Promise<void> {
    await unlink(tmp).catch(() => undefined);
  }

  async readShard(bucket: string, key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.shardPath(bucket, key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async deleteShard(bucket: string, key: string): Promise<boolean> {
    try {
      await unlink(this.shardPath(bucket, key));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /** File names (key hashes) of a bucket's shards on this drive. */
  async listShards(bucket: string): Promise<string[]> {
    try {
      return await readdir(join(this.path, 'objects', bucket));
    } catch {
      return [];
    }
  }

  async readShardByHash(bucket: string, hash: string): Promise<Buffer | null> {
    try {
      return await readFile(join(this.path, 'objects', bucket, hash));
    } catch {
      return null;
    }
  }

  async deleteShardByHash(bucket: string, hash: string): Promise<void> {
    await unlink(join(this.path, 'objects', bucket, hash)).catch(() => undefined);
  }

  async writeBucket(name: string, meta: object): Promise<void> {
    await mkdir(join(this.path, 'buckets'), { recursive: true });
    await this.#writeDurable(join(this.path, 'buckets', `${name}.json`), Buffer.from(JSON.stringify(meta)));
  }

  async deleteBucket(name: string): Promise<void> {
    await unlink(join(this.path, 'buckets', `${name}.json`)).catch(() => undefined);
    await rm(join(this.path, 'objects', name), { recursive: true, force: true });
  }

  async listBuckets(): Promise<Record<string, unknown>[]> {
    let names: string[];
    try {
      names = await readdir(join(this.path, 'buckets'));
    } catch {
      return [];
    }
    const out: Record<string, unknown>[] = [];
    for (const n of names) {
      if (!n.endsWith('.json')) continue;
      try {
        out.push(JSON.parse(await readFile(join(this.path, 'buckets', n), 'utf8')) as Record<string, unknown>);
      } catch {
        // a torn bucket file: the other drives have it
      }
    }
    return out;
  }

  async #writeDurable(path: string, bytes: Buffer): Promise<void> {
    const tmp = `${path}.${randomUUID()}.tmp`;
    await writeFile(tmp, bytes, { flush: true });
    await rename(tmp, path);
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
