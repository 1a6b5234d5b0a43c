/**
 * The order in which items take the first position under smooth weighted round robin (the nginx
 * algorithm): one cycle of sum(weights)/gcd(weights) slots in which item i appears weights[i]/gcd times,
 * spread as evenly as possible. Returns the item index of each slot.
 */
export function smoothWeightedOrder(weights: readonly number[]): Int32Array {
  if (weights.length === 0) return new Int32Array(0);
  const g = weights.reduce((a, b) => gcd(a, b));
  const w = weights.map((x) => x / g);
  const total = w.reduce((a, b) => a + b, 0);
  const current = new Array<number>(w.length).fill(0);
  const out = new Int32Array(total);
  for (let slot = 0; slot < total; slot++) {
    let best = 0;
    for (let i = 0; i < w.length; i++) {
      current[i]! += w[i]!;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    out[slot] = best;
  }
  return out;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
