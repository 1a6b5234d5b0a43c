import { httpProbe, tcpProbe, type Probe } from '@scaleout/health';
import { CheckSpecError } from './errors.js';
import type { IpAddress } from './ip-address.js';

/**
 * Turns a record's `check=` text into the canonical check of its address: `{addr}` becomes the
 * address (bracketed for IPv6), `tcp:PORT` means a TCP connect to the address itself. Accepted:
 * `http://…`, `https://…`, `tcp://host:port`, `tcp:port`.
 */
export function resolveCheckSpec(spec: string, ip: IpAddress): string {
  const host = ip.family === 6 ? `[${ip.text}]` : ip.text;
  const text = spec.replaceAll('{addr}', host);
  const short = /^tcp:(\d{1,5})$/.exec(text);
  const full = short ? `tcp://${host}:${short[1]}` : text;
  let url: URL;
  try {
    url = new URL(full);
  } catch {
    throw new CheckSpecError(`check ${JSON.stringify(spec)} is not a URL (http://…, https://…, tcp://host:port or tcp:port)`);
  }
  if (url.protocol === 'tcp:') {
    const port = Number(url.port);
    if (!url.hostname || !(port >= 1 && port <= 65535) || (url.pathname !== '' && url.pathname !== '/')) {
      throw new CheckSpecError(`check ${JSON.stringify(spec)}: a tcp check is tcp://host:port or tcp:port`);
    }
    return `tcp://${url.host}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CheckSpecError(`check ${JSON.stringify(spec)}: protocol ${url.protocol} is not http, https or tcp`);
  }
  return url.href;
}

/** The probe for a canonical check spec (from {@link resolveCheckSpec}). */
export function probeFor(spec: string): Probe {
  const url = new URL(spec);
  if (url.protocol === 'tcp:') {
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    return tcpProbe({ host, port: Number(url.port) });
  }
  return httpProbe({ url: spec });
}
