import { runService } from '@scaleout/service';
import { buildApp, createWebContext, prepareDatabase } from './app.js';
import { loadWebConfigOrExit } from './config.js';

const config = loadWebConfigOrExit();
const ctx = createWebContext(config);
const { logger } = ctx;

runService({
  logger,
  graceMs: config.grace,
  drainDelayMs: config.drainDelay,
  onSignal: () => ctx.readiness.setDraining(),
  async start() {
    const app = await buildApp(ctx);
    try {
      await prepareDatabase(ctx);
      await app.listen({ host: config.host, port: config.port });
    } catch (err) {
      await app.close().catch(() => undefined);
      throw err;
    }
    logger.info(
      { address: `${config.host}:${config.port}`, db: config.db.hosts, sessions: config.sessionUrls, memcached: config.memcachedNodes },
      'web replica listening',
    );
    return () => app.close();
  },
});
