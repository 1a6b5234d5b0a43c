import { HashingError } from '../hashing-error.js';
import { fnvInit, fnvUpdate, fnvUpdateByte } from '../fnv1a64.js';
import { mul64 } from './u64.js';

// Rendezvous (highest random weight) scores. The hash of (key, node) is FNV-1a 64 over
// UTF-8(key) ‖ 0xff ‖ UTF-8(node) (0xff never occurs in UTF-8, so the pair is unambiguous), followed by
// the MurmurHash3 fmix64 finalizer so that nodes named alike ("web1", "web2") get unrelated scores.
// The top 52 bits give u = (2x + 1) / 2^53, strictly inside (0, 1); the weighted score is -w / ln(u).

const keyState = new Uint32Array(2);
const nodeState = new Uint32Array(2);

function fmix64(s: Uint32Array): void {
  s[1] ^= s[0] >>> 1; // k ^= k >>> 33
  mul64(s, s[0], s[1], 0xff51afd7, 0xed558ccd);
  s[1] ^= s[0] >>> 1;
  mul64(s, s[0], s[1], 0xc4ceb9fe, 0x1a85ec53);
  s[1] ^= s[0] >>> 1;
}

export function checkNodes(nodes: readonly string[], weights: readonly number[] | undefined): void {
  if (!Array.isArray(nodes) || nodes.length === 0) {
    throw new HashingError('HASH_ERR_NO_NODES', 'rendezvous needs at least one node');
  }
  if (weights === undefined) return;
  if (!Array.isArray(weights) || weights.length !== nodes.length) {
    throw new HashingError('HASH_ERR_INVALID_WEIGHT', `weights must be an array of ${nodes.length} numbers (one per node)`);
  }
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (typeof w !== 'number' || !Number.isFinite(w) || w <= 0) {
      throw new HashingError('HASH_ERR_INVALID_WEIGHT', `weight of node "${nodes[i]}" must be a finite number > 0, got ${String(w)}`);
    }
  }
}

/** Hashes the key once; call before {@link score}. */
export function prepareKey(key: string | Uint8Array): void {
  fnvInit(keyState);
  fnvUpdate(keyState, key);
  fnvUpdateByte(keyState, 0xff);
}

/**
 * Score of `node` for the prepared key: the raw 52-bit hash when `weight` is undefined (same order as
 * any equal weight), else -weight / ln(u).
 */
export function score(node: string, weight: number | undefined): number {
  if (typeof node !== 'string') {
    throw new HashingError('HASH_ERR_INVALID_NODE', `node must be a string, got ${typeof node}`);
  }
  nodeState[0] = keyState[0];
  nodeState[1] = keyState[1];
  fnvUpdate(nodeState, node);
  fmix64(nodeState);
  const x = nodeState[0] * 1048576 + (nodeState[1] >>> 12); // top 52 bits
  if (weight === undefined) return x;
  return -weight / Math.log((2 * x + 1) / 9007199254740992);
}
