// Entry point: `node --import tsx apps/session/src/server.ts` (configuration from SESSION_* variables).
import { ConfigError, createLogger, loadConfigOrExit, runService } from '@scaleout/service';
import { buildSessionApp } from './app.js';
import { checkSessionConfig, sessionConfigSpec } from './config.js';

const config = loadConfigOrExit('SESSION', sessionConfigSpec);
try {
  checkSessionConfig(config);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`config error: ${err.message}\n`);
  process.exit(78);
}
const logger = createLogger({ service: 'session', instance: config.instance, level: config.logLevel });

let readiness: { setDraining(d?: boolean): void } | undefined;
runService({
  logger,
  graceMs: config.grace,
  drainDelayMs: config.drainDelay,
  onSignal: () => readiness?.setDraining(true),
  start: async () => {
    const app = await buildSessionApp(config, { logger });
    readiness = app.sessionService.readiness;
    const address = await app.listen({ host: config.host, port: config.port });
    const { ring } = app.sessionService;
    logger.info(
      { address, memcached: ring.nodes, up: ring.upCount, replicas: ring.replicas, durable: config.durable },
      'session service listening',
    );
    return () => app.close();
  },
});
