import { Registry, collectDefaultMetrics } from 'prom-client';

export interface RegistryOptions {
  /** Collect prom-client's default process and Node.js metrics (CPU, memory, event loop lag, GC). */
  defaultMetrics?: boolean;
  /** Labels added to every metric of this registry (keep them constant and few). */
  defaultLabels?: Record<string, string>;
}

/** A fresh prom-client registry, with the default process metrics unless turned off. */
export function createRegistry(options: RegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}
