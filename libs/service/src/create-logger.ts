import { pino, type Logger, type DestinationStream, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** Service kind, e.g. `lb`. */
  service: string;
  /** Instance name, e.g. `lb1`. */
  instance?: string;
  level?: LevelWithSilent;
  /**
   * Where JSON lines go. Default: stdout, written synchronously, so lines keep their order and are not
   * lost when the process exits or crashes (services do not log per request, so this costs nothing).
   */
  destination?: DestinationStream;
}

/** A pino JSON logger: one object per line on stdout, ISO time, level as a word, service and instance fields. */
export function createLogger(options: LoggerOptions): Logger {
  const base: Record<string, string> = { service: options.service };
  if (options.instance) base.instance = options.instance;
  const opts = {
    level: options.level ?? 'info',
    base,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
  };
  return pino(opts, options.destination ?? pino.destination({ dest: 1, sync: true }));
}
