import { createLogger, loadAdminToken, loadConfigOrExit, runService } from '@scaleout/service';
import { startDnsService } from './app.js';
import { dnsConfigSpec } from './config.js';

const config = loadConfigOrExit('DNS', dnsConfigSpec);
const adminToken = loadAdminToken();
const logger = createLogger({ service: 'dns', instance: config.instance, level: config.logLevel });

let markDraining: (() => void) | undefined;
runService({
  logger,
  graceMs: config.grace,
  onSignal: () => markDraining?.(),
  start: async () => {
    const service = await startDnsService(config, { logger, adminToken });
    markDraining = () => service.readiness.setDraining();
    return service;
  },
});
