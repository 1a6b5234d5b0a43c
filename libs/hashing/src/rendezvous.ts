import { checkNodes, prepareKey, score } from './internal/hrw-score.js';

/**
 * Rendezvous (highest-random-weight) hashing: the node with the highest score for `key`.
 *
 * Score of a node: FNV-1a 64 over UTF-8(key) ‖ 0xff ‖ UTF-8(node), finished with MurmurHash3's fmix64;
 * its top 52 bits give u in (0, 1). Unweighted, the highest u wins; weighted, the highest
 * `-weight / ln(u)` wins, which gives each node a share of keys proportional to its weight. Adding a
 * node only moves the keys it wins; removing a node only moves the keys it held. Ties (practically
 * impossible) go to the earlier node. O(nodes) per call, no allocation.
 */
export function rendezvous(key: string | Uint8Array, nodes: readonly string[], weights?: readonly number[]): string {
  checkNodes(nodes, weights);
  prepareKey(key);
  let best = 0;
  let bestScore = -Infinity;
  for (let i = 0; i < nodes.length; i++) {
    const s = score(nodes[i], weights === undefined ? undefined : weights[i]);
    if (s > bestScore) {
      bestScore = s;
      best = i;
    }
  }
  return nodes[best];
}
