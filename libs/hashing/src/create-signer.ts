import { signWith, toKeys, unsignWith, type SigningSecret } from './internal/hmac.js';

export interface Signer {
  /** `"<value>.<sig>"` signed with the first secret. */
  sign(value: string): string;
  /** The value when the signature verifies with any of the secrets, else null. */
  unsign(signed: string): string | null;
}

/**
 * A {@link Signer} bound to `secrets` (validated once): the first secret signs, every secret
 * verifies, so a key is rotated by prepending the new one and later dropping the old one.
 */
export function createSigner(secrets: SigningSecret | readonly SigningSecret[]): Signer {
  const keys = toKeys(secrets);
  const signing = keys[0];
  return {
    sign: (value) => signWith(signing, value),
    unsign: (signed) => unsignWith(keys, signed),
  };
}
