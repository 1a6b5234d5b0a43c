import { toKeys, unsignWith, type SigningSecret } from './internal/hmac.js';

/**
 * The value of a string made by {@link sign} when its signature verifies with one of `secrets`,
 * else null (tampered, truncated, wrong length, unsigned). Key rotation: put the new secret first
 * and keep the old ones after it; values signed with any of them still verify. Comparison is
 * constant-time (`crypto.timingSafeEqual` after a length check).
 */
export function unsign(signed: string, secrets: SigningSecret | readonly SigningSecret[]): string | null {
  return unsignWith(toKeys(secrets), signed);
}
