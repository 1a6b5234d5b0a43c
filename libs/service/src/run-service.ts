import type { Logger } from './create-logger.js';

/** What `start` returns: something that can be closed gracefully (stop accepting, drain, release). */
export type Closer = { close(): Promise<void> } | (() => Promise<void>);

export interface RunServiceOptions {
  logger: Logger;
  /** Starts the service; the returned closer runs on SIGTERM/SIGINT. */
  start(): Promise<Closer>;
  /** Maximum time for the closer; past it the process exits 1. Default 10 s. */
  graceMs?: number;
  /** Called first on the first signal (e.g. mark `/readyz` as draining). */
  onSignal?(signal: NodeJS.Signals): void;
  /** Wait this long after `onSignal` before closing, so balancers see the drain. Default 0. */
  drainDelayMs?: number;
  /** For tests: replaces process.exit. */
  exit?(code: number): void;
}

export interface ServiceHandle {
  /** Resolves when the service has stopped (after close, before exit). */
  stopped: Promise<number>;
  /** Triggers the same graceful stop as SIGTERM. */
  stop(reason?: string): Promise<number>;
}

/**
 * Runs a service with the shared lifecycle: start, then on the first SIGTERM/SIGINT stop accepting,
 * drain and close resources within `graceMs` and exit 0; a second signal exits 130 at once; an
 * uncaught exception or unhandled rejection is logged and exits 1; a failed start exits 1.
 */
export function runService(options: RunServiceOptions): ServiceHandle {
  const { logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const graceMs = options.graceMs ?? 10_000;
  let closer: Closer | undefined;
  let stopping: Promise<number> | undefined;
  let resolveStopped!: (code: number) => void;
  const stopped = new Promise<number>((r) => (resolveStopped = r));

  const finish = (code: number): number => {
    resolveStopped(code);
    exit(code);
    return code;
  };

  const stop = (reason: string, signal?: NodeJS.Signals): Promise<number> => {
    if (stopping) return stopping;
    stopping = (async () => {
      logger.info({ reason }, 'stopping');
      try {
        if (signal) options.onSignal?.(signal);
        if (options.drainDelayMs) await sleep(options.drainDelayMs);
        if (closer) {
          const close = typeof closer === 'function' ? closer : () => (closer as { close(): Promise<void> }).close();
          const result = await withTimeout(close(), graceMs);
          if (result === 'timeout') {
            logger.error({ graceMs }, 'graceful stop took longer than the grace time; exiting');
            return finish(1);
          }
        }
        logger.info('stopped');
        return finish(0);
      } catch (err) {
        logger.error({ err }, 'error while stopping');
        return finish(1);
      }
    })();
    return stopping;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting at once');
      finish(130);
      return;
    }
    void stop(signal, signal);
  };
  const onFatal = (kind: string) => (err: unknown) => {
    logger.fatal({ err }, `${kind}: exiting`);
    finish(1);
  };
  const fatalException = onFatal('uncaught exception');
  const fatalRejection = onFatal('unhandled rejection');
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('uncaughtException', fatalException);
  process.on('unhandledRejection', fatalRejection);
  void stopped.then(() => {
    // Leave the fatal handlers in place: an error during exit must still exit.
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.on('SIGTERM', () => exit(130));
    process.on('SIGINT', () => exit(130));
  });

  options
    .start()
    .then((c) => {
      closer = c;
      if (stopping) void stop('stopped during start');
    })
    .catch((err: unknown) => {
      logger.fatal({ err }, 'failed to start');
      finish(1);
    });

  return { stopped, stop: (reason = 'stop requested') => stop(reason) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
