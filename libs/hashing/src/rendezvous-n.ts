import { HashingError } from './hashing-error.js';
import { checkNodes, prepareKey, score } from './internal/hrw-score.js';

/**
 * The `n` highest-scoring distinct nodes for `key`, best first (the first is {@link rendezvous}'s
 * answer); fewer when there are fewer distinct nodes. Same scores as `rendezvous`, so replicas move
 * as little as the primary does when nodes come and go.
 */
export function rendezvousN(
  key: string | Uint8Array,
  nodes: readonly string[],
  n: number,
  weights?: readonly number[],
): string[] {
  if (!Number.isInteger(n) || n < 0) {
    throw new HashingError('HASH_ERR_INVALID_COUNT', `n must be an integer >= 0, got ${String(n)}`);
  }
  checkNodes(nodes, weights);
  prepareKey(key);
  const scores = new Float64Array(nodes.length);
  const order: number[] = [];
  for (let i = 0; i < nodes.length; i++) {
    scores[i] = score(nodes[i], weights === undefined ? undefined : weights[i]);
    order.push(i);
  }
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  const out: string[] = [];
  for (let k = 0; k < order.length && out.length < n; k++) {
    const node = nodes[order[k]];
    if (!out.includes(node)) out.push(node);
  }
  return out;
}
