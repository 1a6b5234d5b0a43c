import { mulSlice, mulSliceXor } from './galois.js';
import { ErasureError } from './erasure-error.js';
import { invert, multiply, subRows, vandermonde, type Matrix } from './matrix.js';

/**
 * Systematic Reed-Solomon erasure code with `dataShards` data and `parityShards` parity shards over
 * GF(2^8). The encoding matrix is a Vandermonde matrix multiplied by the inverse of its top square,
 * so the top rows are the identity (data shards are stored as they are) and any `dataShards` rows
 * are invertible. Same construction and field as Backblaze JavaReedSolomon and
 * klauspost/reedsolomon, so parity is byte-identical to theirs (checked against their vectors).
 */
export class ReedSolomon {
  readonly dataShards: number;
  readonly parityShards: number;
  readonly totalShards: number;
  /** totalShards × dataShards. */
  readonly matrix: Matrix;
  readonly #parityRows: Matrix;
  readonly #decodeCache = new Map<string, Matrix>();

  constructor(dataShards: number, parityShards: number) {
    if (!Number.isInteger(dataShards) || dataShards < 1) throw new ErasureError('ERASURE_ERR_BAD_PARAMS', `data shards must be an integer >= 1, got ${dataShards}`);
    if (!Number.isInteger(parityShards) || parityShards < 0) throw new ErasureError('ERASURE_ERR_BAD_PARAMS', `parity shards must be an integer >= 0, got ${parityShards}`);
    if (dataShards + parityShards > 256) throw new ErasureError('ERASURE_ERR_BAD_PARAMS', `at most 256 shards in GF(2^8), got ${dataShards + parityShards}`);
    this.dataShards = dataShards;
    this.parityShards = parityShards;
    this.totalShards = dataShards + parityShards;
    const v = vandermonde(this.totalShards, dataShards);
    this.matrix = multiply(v, invert(subRows(v, 0, dataShards)));
    this.#parityRows = subRows(this.matrix, dataShards, this.totalShards);
  }

  #check(shards: readonly (Uint8Array | null | undefined)[]): number {
    if (shards.length !== this.totalShards) throw new ErasureError('ERASURE_ERR_BAD_PARAMS', `expected ${this.totalShards} shards, got ${shards.length}`);
    let size = -1;
    for (const s of shards) {
      if (!s) continue;
      if (size === -1) size = s.length;
      else if (s.length !== size) throw new ErasureError('ERASURE_ERR_SHARD_SIZE', 'shards differ in size');
    }
    return size;
  }

  /** Computes the parity shards (indices dataShards..) from the data shards, in place. */
  encode(shards: Uint8Array[]): void {
    const size = this.#check(shards);
    for (let p = 0; p < this.parityShards; p++) {
      const out = shards[this.dataShards + p]!;
      const row = this.#parityRows[p]!;
      mulSlice(row[0]!, shards[0]!, out, size);
      for (let d = 1; d < this.dataShards; d++) mulSliceXor(row[d]!, shards[d]!, out, size);
    }
  }

  /** True when the parity shards match the data shards. */
  verify(shards: Uint8Array[]): boolean {
    const size = this.#check(shards);
    const tmp = new Uint8Array(size);
    for (let p = 0; p < this.parityShards; p++) {
      const row = this.#parityRows[p]!;
      mulSlice(row[0]!, shards[0]!, tmp, size);
      for (let d = 1; d < this.dataShards; d++) mulSliceXor(row[d]!, shards[d]!, tmp, size);
      const have = shards[this.dataShards + p]!;
      for (let i = 0; i < size; i++) if (tmp[i] !== have[i]) return false;
    }
    return true;
  }

  /**
   * Fills the missing entries (null/undefined) of `shards` from any `dataShards` present ones and
   * returns the indices it rebuilt. `onlyData` rebuilds data shards only (enough to read).
   */
  reconstruct(shards: (Uint8Array | null | undefined)[], options: { onlyData?: boolean } = {}): number[] {
    const size = this.#check(shards);
    const present: number[] = [];
    for (let i = 0; i < this.totalShards && present.length < this.dataShards; i++) if (shards[i]) present.push(i);
    if (present.length < this.dataShards) {
      throw new ErasureError('ERASURE_ERR_TOO_FEW_SHARDS', `need ${this.dataShards} shards to reconstruct, have ${shards.filter(Boolean).length}`);
    }
    const rebuilt: number[] = [];
    const missingData: number[] = [];
    for (let d = 0; d < this.dataShards; d++) if (!shards[d]) missingData.push(d);
    if (missingData.length > 0) {
      const key = present.join(',');
      let decode = this.#decodeCache.get(key);
      if (!decode) {
        decode = invert(present.map((i) => Uint8Array.from(this.matrix[i]!)));
        if (this.#decodeCache.size > 256) this.#decodeCache.clear();
        this.#decodeCache.set(key, decode);
      }
      for (const d of missingData) {
        const out = new Uint8Array(size);
        const row = decode[d]!;
        for (let j = 0; j < this.dataShards; j++) mulSliceXor(row[j]!, shards[present[j]!]!, out, size);
        shards[d] = out;
        rebuilt.push(d);
      }
    }
    if (!options.onlyData) {
      for (let p = 0; p < this.parityShards; p++) {
        const idx = this.dataShards + p;
        if (shards[idx]) continue;
        const out = new Uint8Array(size);
        const row = this.#parityRows[p]!;
        for (let d = 0; d < this.dataShards; d++) mulSliceXor(row[d]!, shards[d]!, out, size);
        shards[idx] = out;
        rebuilt.push(idx);
      }
    }
    return rebuilt;
  }

  /** Shard size for `length` bytes of data (rounded up, at least 1). */
  shardSize(length: number): number {
    return Math.max(1, Math.ceil(length / this.dataShards));
  }

  /** Splits `data` into dataShards equal data shards (zero-padded) plus zeroed parity shards, then encodes. */
  split(data: Uint8Array): Uint8Array[] {
    const size = this.shardSize(data.length);
    const shards: Uint8Array[] = [];
    for (let d = 0; d < this.totalShards; d++) {
      const shard = new Uint8Array(size);
      if (d < this.dataShards) {
        const from = d * size;
        if (from < data.length) shard.set(data.subarray(from, Math.min(from + size, data.length)));
      }
      shards.push(shard);
    }
    this.encode(shards);
    return shards;
  }

  /** Concatenates the data shards back into `length` bytes. */
  join(shards: readonly (Uint8Array | null | undefined)[], length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    let at = 0;
    for (let d = 0; d < this.dataShards && at < length; d++) {
      const s = shards[d];
      if (!s) throw new ErasureError('ERASURE_ERR_TOO_FEW_SHARDS', `data shard ${d} is missing; reconstruct first`);
      const n = Math.min(s.length, length - at);
      out.set(s.subarray(0, n), at);
      at += n;
    }
    if (at < length) throw new ErasureError('ERASURE_ERR_SHARD_SIZE', `shards hold ${at} bytes, ${length} expected`);
    return out;
  }
}
