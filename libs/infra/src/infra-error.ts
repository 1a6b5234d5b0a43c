/** Base of the coded errors of @scaleout/infra (codes listed in the README). */
export class InfraError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A binary the stack or a test needs is not installed; the message names the Debian package. */
export class MissingBinaryError extends InfraError {
  readonly binary: string;
  readonly debianPackage: string;
  constructor(binary: string, debianPackage: string) {
    super(
      'INFRA_ERR_MISSING_BINARY',
      `${binary} not found: install the Debian package ${debianPackage} (apt-get install -y ${debianPackage})`,
    );
    this.binary = binary;
    this.debianPackage = debianPackage;
  }
}

/** A daemon exited before it was ready, or did not become ready in time. */
export class DaemonStartError extends InfraError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INFRA_ERR_START', message, options);
  }
}
