import { createLogger, loadConfigOrExit, runService } from '@scaleout/service';
import { startDbProxy } from './app.js';
import { adminTokenSpec, configSpec } from './config.js';

const config = { ...loadConfigOrExit('DBPROXY', configSpec), ...loadConfigOrExit('SCALEOUT', adminTokenSpec) };
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
