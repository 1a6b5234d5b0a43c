/** Base of the coded errors of @scaleout/replication (codes listed in the README). */
export class ReplicationError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class GtidParseError extends ReplicationError {
  constructor(input: string) {
    super('REPL_ERR_GTID_PARSE', `not a MariaDB GTID list (domain-server-seq[,…]): ${JSON.stringify(input)}`);
  }
}
