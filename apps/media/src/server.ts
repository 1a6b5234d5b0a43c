// Entry point: `node --import tsx apps/media/src/server.ts` (configuration from MEDIA_* variables).
import { adminTokenSpec, createLogger, loadConfigOrExit, runService } from '@scaleout/service';
import { buildMediaApp } from './app.js';
import { mediaConfigSpec } from './config.js';

const config = loadConfigOrExit('MEDIA', mediaConfigSpec);
const { adminToken } = loadConfigOrExit('SCALEOUT', adminTokenSpec);
const logger = createLogger({ service: 'media', instance: config.instance, level: config.logLevel });

let readiness: { setDraining(d?: boolean): void } | undefined;
runService({
  logger,
  graceMs: config.grace,
  drainDelayMs: config.drainDelay,
  onSignal: () => readiness?.setDraining(true),
  start: async () => {
    const app = await buildMediaApp(config, { logger, adminToken });
    readiness = app.mediaReadiness;
    const address = await app.listen({ host: config.host, port: config.port });
    logger.info({ address, drives: app.media.status().map((d) => `${d.name}:${d.state}`), defaultLevel: config.defaultLevel }, 'media server listening');
    return () => app.close();
  },
});

