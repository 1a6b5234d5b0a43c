import type { AutoscaleConfig } from '@scaleout/autoscale';
import type { Logger } from '@scaleout/service';
import type { Observatory } from '../observatory/observatory.js';
import type { Supervisor } from '../supervisor.js';
import { Autoscaler } from './autoscaler.js';
import type { Observation } from './observation.js';

export interface StackAutoscalerOptions {
  config: AutoscaleConfig;
  supervisor: Supervisor;
  observatory: Observatory;
  logger: Logger;
  /** The web count the stack starts with (the supervisor has none yet when this is built). */
  initialReplicas: number;
  /** After a change is applied (rewrite the Prometheus config, save the state file). */
  onScaled?(): void;
}

const webNumber = (name: string) => Number(/^web(\d+)$/.exec(name)?.[1] ?? NaN);

/**
 * The autoscaler wired to the local stack: it reads the web replicas from the supervisor and their
 * figures from the observatory's scrapes, and scales through `Supervisor.scale('web', n)` (new replicas
 * join the LB pools once ready, with the LBs' slow start; removed ones are drained at the LBs, their
 * in-flight requests finish, then SIGTERM: see `syncLbPools` in stack-spec.ts).
 */
export function stackAutoscaler(o: StackAutoscalerOptions): Autoscaler {
  const { observe, scaleTo } = webTier(o);
  return new Autoscaler({ config: o.config, initialReplicas: o.initialReplicas, observe, scaleTo, logger: o.logger });
}

/** The autoscaler's view of the local web tier and its one lever. */
export function webTier(o: Pick<StackAutoscalerOptions, 'supervisor' | 'observatory' | 'onScaled'>): { observe(): Observation | null; scaleTo(n: number): Promise<void> } {
  /** Replicas the running change adds (not ready until they are in the pools) or removes (draining). */
  let adding = new Set<string>();
  let removing = new Set<string>();

  const observe = (): Observation | null => {
    const figures = o.observatory.latest;
    if (!figures) return null;
    const byName = new Map(figures.instances.map((i) => [i.name, i]));
    const webs = o.supervisor.status().filter((s) => s.service === 'web' && s.state !== 'stopped');
    return {
      p99Ms: figures.headline.p99Ms,
      replicas: webs.map((s) => {
        const f = byName.get(s.name);
        const ready = s.state === 'running' && s.healthy && !adding.has(s.name) && !removing.has(s.name);
        const scraped = f?.scraped ?? false;
        const cpu = f?.detail.cpuCores;
        return {
          name: s.name,
          ready,
          draining: removing.has(s.name),
          inflight: f?.inFlight ?? null,
          rps: scraped ? f!.rps : null,
          cpu: scraped && typeof cpu === 'number' ? cpu : null,
        };
      }),
    };
  };

  const scaleTo = async (n: number) => {
    const names = o.supervisor.status().filter((s) => s.service === 'web').map((s) => s.name);
    removing = new Set(names.filter((x) => webNumber(x) > n));
    adding = new Set(Array.from({ length: n }, (_, i) => `web${i + 1}`).filter((x) => !names.includes(x)));
    try {
      await o.supervisor.scale('web', n);
      o.onScaled?.();
    } finally {
      adding = new Set();
      removing = new Set();
    }
  };

  return { observe, scaleTo };
}
