import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Secrets generated once per stack and kept under `.scaleout/` (mode 0600). */
export interface StackSecrets {
  cookieSecret: string;
  sessionSecret: string;
  lbCookieSecret: string;
}

export function loadOrCreateSecrets(file: string): StackSecrets {
  if (existsSync(file)) {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<StackSecrets>;
    if (parsed.cookieSecret && parsed.sessionSecret && parsed.lbCookieSecret) return parsed as StackSecrets;
  }
  const secrets: StackSecrets = {
    cookieSecret: randomBytes(32).toString('base64url'),
    sessionSecret: randomBytes(32).toString('base64url'),
    lbCookieSecret: randomBytes(32).toString('base64url'),
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return secrets;
}
