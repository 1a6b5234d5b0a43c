import { createLogger, loadConfigOrExit, runService } from '@scaleout/service';
import { createLoadBalancer } from './app.js';
import { adminConfigSpec, lbConfigSpec } from './config.js';

const config = loadConfigOrExit('LB', lbConfigSpec);
const { adminToken } = loadConfigOrExit('SCALEOUT', adminConfigSpec);
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
