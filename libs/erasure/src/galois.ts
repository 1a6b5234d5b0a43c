/**
 * Arithmetic in GF(2^8) with the generating polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d, "29" in
 * Backblaze's notation), the field used by Backblaze JavaReedSolomon, klauspost/reedsolomon and MinIO.
 */
export const GENERATING_POLYNOMIAL = 0x11d;

/** LOG[a] for a in 1..255 (LOG[0] is unused). */
export const LOG_TABLE = new Uint8Array(256);
/** EXP[i] = 2^i, doubled so EXP[LOG[a] + LOG[b]] needs no modulo. */
export const EXP_TABLE = new Uint8Array(510);

{
  let b = 1;
  for (let log = 0; log < 255; log++) {
    EXP_TABLE[log] = b;
    EXP_TABLE[log + 255] = b;
    LOG_TABLE[b] = log;
    b <<= 1;
    if (b >= 256) b ^= GENERATING_POLYNOMIAL;
  }
}

/** Full 256×256 multiplication table: MUL_TABLE[a * 256 + b] = a·b. */
export const MUL_TABLE = new Uint8Array(65_536);
for (let a = 1; a < 256; a++) {
  for (let b = 1; b < 256; b++) MUL_TABLE[a * 256 + b] = EXP_TABLE[LOG_TABLE[a]! + LOG_TABLE[b]!]!;
}

export function gfAdd(a: number, b: number): number {
  return a ^ b;
}

export function gfMul(a: number, b: number): number {
  return MUL_TABLE[(a << 8) | b]!;
}

export function gfDiv(a: number, b: number): number {
  if (b === 0) throw new RangeError('division by zero in GF(2^8)');
  if (a === 0) return 0;
  let log = LOG_TABLE[a]! - LOG_TABLE[b]!;
  if (log < 0) log += 255;
  return EXP_TABLE[log]!;
}

/** a^n (with 0^0 = 1, as in Backblaze's Galois.exp). */
export function gfExp(a: number, n: number): number {
  if (n === 0) return 1;
  if (a === 0) return 0;
  return EXP_TABLE[(LOG_TABLE[a]! * n) % 255]!;
}

/** out[i] ^= c·input[i] over the first `length` bytes. */
export function mulSliceXor(c: number, input: Uint8Array, out: Uint8Array, length = input.length): void {
  if (c === 0) return;
  if (c === 1) {
    for (let i = 0; i < length; i++) out[i]! ^= input[i]!;
    return;
  }
  const row = MUL_TABLE.subarray(c << 8, (c << 8) + 256);
  for (let i = 0; i < length; i++) out[i]! ^= row[input[i]!]!;
}

/** out[i] = c·input[i] over the first `length` bytes. */
export function mulSlice(c: number, input: Uint8Array, out: Uint8Array, length = input.length): void {
  const row = MUL_TABLE.subarray(c << 8, (c << 8) + 256);
  for (let i = 0; i < length; i++) out[i] = row[input[i]!]!;
}
