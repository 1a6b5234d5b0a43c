import { isIP } from 'node:net';
import { adminTokenSpec, commonFields, ConfigError, env, type ConfigOf, type Field } from '@scaleout/service';

/** An IP literal (the DNS server binds one address; `0.0.0.0` / `::` for all). */
function ipAddress(defaultValue: string): Field<string> {
  const base = env.string({ default: defaultValue });
  const allowed = 'an IPv4 or IPv6 address literal';
  return {
    ...base,
    allowed,
    parse(raw, ctx) {
      const v = raw.trim();
      if (isIP(v) === 0) throw new ConfigError(ctx.variable, `${ctx.variable}=${JSON.stringify(raw)} is invalid: expected ${allowed}`);
      return v;
    },
  };
}

/** Environment of the DNS service (`DNS_` prefix). */
export const dnsConfigSpec = {
  ...commonFields(),
  /** Address for DNS over UDP and TCP. */
  host: ipAddress('127.0.0.1'),
  /** Port for DNS over UDP and TCP (0: any free port, the same for both). */
  port: env.port({ default: 5300, allowZero: true }),
  adminHost: ipAddress('127.0.0.1'),
  adminPort: env.port({ default: 5380, allowZero: true }),
  /** Zones served from DNS_RECORDS (comma-separated apex names). */
  zone: env.list({ default: [] }),
  /** Records of the DNS_ZONE zones: `NAME [TTL] TYPE DATA [weight=N] [check=SPEC]`, separated by `;` or new lines. */
  records: env.optionalString(),
  /** RFC 1035 master files, one zone each (comma-separated paths). */
  zoneFile: env.list({ default: [] }),
  /** TTL of records that give none, in seconds. */
  ttl: env.int({ default: 30, min: 0, max: 2_147_483_647 }),
  /** SOA MINIMUM of generated SOAs: how long resolvers cache NXDOMAIN/NODATA (RFC 2308). */
  negativeTtl: env.int({ default: 30, min: 0, max: 86_400 }),
  /** Most A/AAAA records per answer (0 = all). */
  maxAnswers: env.int({ default: 0, min: 0, max: 1000 }),
  /** Largest UDP answer with EDNS(0), also advertised in our OPT record (RFC 6891; BIND's default). */
  udpPayload: env.int({ default: 1232, min: 512, max: 4096 }),
  /** SO_RCVBUF / SO_SNDBUF of the UDP socket, in bytes. */
  udpBuffer: env.int({ default: 1 << 20, min: 65_536, max: 1 << 28 }),
  /** Send UDP replies through the socket's libuv handle (Node internals; falls back when absent). */
  udpFastSend: env.bool({ default: true }),
  /** Time one query in this many for the latency histogram (1 = every query). */
  latencySample: env.int({ default: 16, min: 1, max: 65_536 }),
  tcpIdleTimeout: env.duration({ default: 10_000, min: 100, max: 600_000 }),
  tcpMaxConnections: env.int({ default: 256, min: 1, max: 65_535 }),
  /** Health checks: HAProxy-style inter / fastinter / downinter, timeout, rise, fall. */
  checkInterval: env.duration({ default: 2_000, min: 10, max: 3_600_000 }),
  checkFastInterval: env.duration({ default: 1_000, min: 10, max: 3_600_000 }),
  checkDownInterval: env.duration({ default: 2_000, min: 10, max: 3_600_000 }),
  checkTimeout: env.duration({ default: 1_000, min: 10, max: 60_000 }),
  checkRise: env.int({ default: 2, min: 1, max: 100 }),
  checkFall: env.int({ default: 3, min: 1, max: 100 }),
};

export type DnsConfig = ConfigOf<typeof dnsConfigSpec>;

/** `SCALEOUT_ADMIN_TOKEN`: the bearer token of the admin API (shared by every service of the stack). */
export { adminTokenSpec };

export type AdminTokenConfig = ConfigOf<typeof adminTokenSpec>;

/** Zone and records used when neither DNS_ZONE nor DNS_ZONE_FILE is set (standalone development). */
export const DEFAULT_ZONE = 'scaleout.test';
export const DEFAULT_RECORDS = 'www A 127.0.1.1; www A 127.0.1.2';
