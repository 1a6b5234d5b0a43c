import { ScaleoutError } from '@scaleout/service';

/** Stable error codes of the DNS service (listed in the README). */
export type DnsErrorCode =
  | 'DNS_ERR_ZONE_SYNTAX'
  | 'DNS_ERR_ZONE_DATA'
  | 'DNS_ERR_CHECK_SPEC'
  | 'DNS_ERR_NOT_FOUND'
  | 'DNS_ERR_EXISTS'
  | 'DNS_ERR_UNAUTHORIZED'
  | 'DNS_ERR_LISTEN';

/** Base class of every coded error raised by apps/dns. */
export class DnsError extends ScaleoutError {
  declare readonly code: DnsErrorCode;
  constructor(code: DnsErrorCode, message: string, options: { statusCode?: number; cause?: unknown } = {}) {
    super(code, message, options);
  }
}

/** A zone file, a `DNS_RECORDS` entry or an admin request could not be parsed (names the source and line). */
export class ZoneSyntaxError extends DnsError {
  readonly source: string;
  readonly line: number | undefined;
  constructor(message: string, source = 'input', line?: number) {
    super('DNS_ERR_ZONE_SYNTAX', line === undefined ? `${source}: ${message}` : `${source}:${line}: ${message}`, {
      statusCode: 400,
    });
    this.source = source;
    this.line = line;
  }
}

/** Zone data that parses but is not a valid zone (CNAME beside other data, no SOA, name outside the zone…). */
export class ZoneDataError extends DnsError {
  constructor(message: string) {
    super('DNS_ERR_ZONE_DATA', message, { statusCode: 409 });
  }
}

/** A health-check spec (`check=…`) that is not an http(s) URL or a tcp target, or conflicts with another. */
export class CheckSpecError extends DnsError {
  constructor(message: string) {
    super('DNS_ERR_CHECK_SPEC', message, { statusCode: 400 });
  }
}

/** The admin API was asked about a name, address or record that does not exist. */
export class NotFoundError extends DnsError {
  constructor(message: string) {
    super('DNS_ERR_NOT_FOUND', message, { statusCode: 404 });
  }
}

/** The admin API was asked to add a record that already exists. */
export class RecordExistsError extends DnsError {
  constructor(message: string) {
    super('DNS_ERR_EXISTS', message, { statusCode: 409 });
  }
}

/** An admin API request without the right bearer token. */
export class UnauthorizedError extends DnsError {
  constructor() {
    super('DNS_ERR_UNAUTHORIZED', 'missing or wrong bearer token', { statusCode: 401 });
  }
}

/** The UDP or TCP listener could not bind its address. */
export class ListenError extends DnsError {
  constructor(message: string, cause?: unknown) {
    super('DNS_ERR_LISTEN', message, { cause });
  }
}
