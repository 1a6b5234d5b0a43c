import { base64urlLength, checkIdBytes } from './internal/id-size.js';

/** Value of a base64url character, or -1. */
function sextet(c: number): number {
  if (c >= 65 && c <= 90) return c - 65; // A-Z
  if (c >= 97 && c <= 122) return c - 71; // a-z
  if (c >= 48 && c <= 57) return c + 4; // 0-9
  if (c === 45) return 62; // -
  if (c === 95) return 63; // _
  return -1;
}

/**
 * Whether `s` has the exact shape of `randomId(bytes)`: the right length, only base64url characters
 * and a canonical last character (its unused low bits zero, so each id has one spelling). A cheap
 * check to reject malformed ids before any lookup; it says nothing about whether the id exists.
 */
export function isRandomId(s: unknown, bytes = 16): boolean {
  const length = base64urlLength(checkIdBytes(bytes));
  if (typeof s !== 'string' || s.length !== length) return false;
  for (let i = 0; i < length; i++) if (sextet(s.charCodeAt(i)) < 0) return false;
  const spareBits = [0, 4, 2][bytes % 3];
  return (sextet(s.charCodeAt(length - 1)) & ((1 << spareBits) - 1)) === 0;
}
