// 64-bit unsigned arithmetic on (hi, lo) pairs of uint32 numbers, without BigInt on the hot paths.
// Results go to a caller-owned Uint32Array `out` as out[0] = hi, out[1] = lo (no allocation).

const TWO_32 = 4294967296;

/** out = (aHi:aLo * bHi:bLo) mod 2^64. */
export function mul64(out: Uint32Array, aHi: number, aLo: number, bHi: number, bLo: number): void {
  // Full 64-bit product of the low words from 16-bit limbs (every partial product stays below 2^53).
  const a0 = aLo & 0xffff;
  const a1 = aLo >>> 16;
  const b0 = bLo & 0xffff;
  const b1 = bLo >>> 16;
  const mid = a0 * b1 + a1 * b0; // < 2^33
  const low = a0 * b0 + (mid % 65536) * 65536; // < 2^33
  const lo = low >>> 0;
  const carry = (low - lo) / TWO_32;
  // Cross terms only matter mod 2^32 (they are shifted left by 32).
  out[0] = (a1 * b1 + Math.floor(mid / 65536) + carry + Math.imul(aHi, bLo) + Math.imul(aLo, bHi)) >>> 0;
  out[1] = lo;
}
