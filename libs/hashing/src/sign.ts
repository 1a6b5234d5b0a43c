import { signWith, toKeys, type SigningSecret } from './internal/hmac.js';

/**
 * Signs `value` for a cookie: `"<value>.<sig>"`, sig = HMAC-SHA256(secret, value) in base64url
 * (43 characters). The value itself is not encrypted. Secrets shorter than 32 bytes are refused
 * (`HASH_ERR_SECRET_TOO_SHORT`). For repeated use prefer {@link createSigner}.
 */
export function sign(value: string, secret: SigningSecret): string {
  return signWith(toKeys(secret)[0], value);
}
