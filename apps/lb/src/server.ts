import { createLogger, loadAdminToken, loadConfigOrExit, runService } from '@scaleout/service';
import { createLoadBalancer } from './app.js';
import { lbConfigSpec } from './config.js';

const config = loadConfigOrExit('LB', lbConfigSpec);
const adminToken = loadAdminToken();
const logger = createLogger({ service: 'lb', instance: config.instance, level: config.logLevel });

const lb = createLoadBalancer(config, { logger, adminToken });
runService({
  logger,
  graceMs: config.grace,
  onSignal: () => lb.readiness.setDraining(true),
  start: async () => {
    await lb.listen();
    return () => lb.close(config.grace);
  },
});
