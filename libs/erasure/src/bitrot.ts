import { createHash } from 'node:crypto';

/** The per-shard checksum algorithm (bitrot detection): SHA-256 from node:crypto, hex. */
export const BITROT_ALGORITHM = 'sha256';

export function shardChecksum(data: Uint8Array): string {
  return createHash(BITROT_ALGORITHM).update(data).digest('hex');
}
