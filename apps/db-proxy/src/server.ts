import { createLogger, loadAdminToken, loadConfigOrExit, runService } from '@scaleout/service';
import { startDbProxy } from './app.js';
import { configSpec } from './config.js';

const config = { ...loadConfigOrExit('DBPROXY', configSpec), adminToken: loadAdminToken() };
const logger = createLogger({ service: 'db-proxy', instance: config.instance, level: config.logLevel });
let readiness: { setDraining(): void } | undefined;

runService({
  logger,
  graceMs: config.grace,
  onSignal: () => readiness?.setDraining(),
  async start() {
    const running = await startDbProxy(config, logger);
    readiness = running.proxy.readiness;
    logger.info({ mysql: `${config.host}:${running.port}`, admin: running.admin.address }, 'db-proxy started');
    return running;
  },
});
