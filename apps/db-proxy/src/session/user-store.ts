import { parseStoredHash, passwordHash } from '../protocol/native-password.js';

/** One account clients may use to log in to the proxy. */
export interface ProxyUser {
  user: string;
  /** SHA1(SHA1(password)); undefined for an empty password. */
  hash: Buffer | undefined;
}

/**
 * Parses `user:password` pairs separated by commas. A password written `*` + 40 hex digits is taken as
 * the stored hash (`SELECT PASSWORD('…')`), so plain passwords need not be in the environment.
 */
export function parseUsers(text: string): ProxyUser[] {
  const out: ProxyUser[] = [];
  for (const item of text.split(',')) {
    const s = item.trim();
    if (s === '') continue;
    const i = s.indexOf(':');
    if (i <= 0) throw new RangeError(`"${s}" is not user:password`);
    const user = s.slice(0, i);
    const password = s.slice(i + 1);
    out.push({ user, hash: password === '' ? undefined : (parseStoredHash(password) ?? passwordHash(password)) });
  }
  if (out.length === 0) throw new RangeError('no users');
  return out;
}

export class UserStore {
  readonly #users = new Map<string, ProxyUser>();

  constructor(users: ProxyUser[]) {
    for (const u of users) this.#users.set(u.user, u);
  }

  get(user: string): ProxyUser | undefined {
    return this.#users.get(user);
  }
}
