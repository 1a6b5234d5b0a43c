import { HealthGroup, type CheckerSnapshot } from '@scaleout/health';
import type { Logger } from '@scaleout/service';
import { probeFor } from './check-spec.js';
import type { AddressEntry, ZoneSet } from './zone-set.js';

export interface AddressHealthOptions {
  /** ms between checks while steady (HAProxy `inter`). */
  interval: number;
  /** ms between checks while changing state (`fastinter`). */
  fastInterval: number;
  /** ms between checks while down (`downinter`). */
  downInterval: number;
  timeout: number;
  rise: number;
  fall: number;
  logger: Logger;
  /** Told about every counted check and every state change (metrics). */
  onCheck?(address: string, ok: boolean): void;
  onTransition?(address: string, to: 'up' | 'down'): void;
}

/**
 * One active health checker per checked address (libs/health, rise/fall hysteresis), kept in step
 * with the zone set: addresses added at run time get a checker, removed ones lose theirs. A state
 * change updates the address, which rebuilds the answers of every RRset that uses it.
 */
export class AddressHealthMonitor {
  readonly group = new HealthGroup();
  readonly #zones: ZoneSet;
  readonly #options: AddressHealthOptions;
  readonly #specs = new Map<string, string>();

  constructor(zones: ZoneSet, options: AddressHealthOptions) {
    this.#zones = zones;
    this.#options = options;
    this.group.on('change', (e) => {
      options.logger.warn({ address: e.name, from: e.from, to: e.to, reason: e.reason }, `address ${e.name} is ${e.to}`);
      zones.setHealth(e.name, e.to);
      options.onTransition?.(e.name, e.to);
    });
    this.group.on('check', (e) => options.onCheck?.(e.name, e.ok));
    const previous = zones.events;
    zones.events = {
      ...previous,
      addressAdded: (entry) => {
        previous.addressAdded?.(entry);
        this.#bind(entry);
      },
      addressRemoved: (entry) => {
        previous.addressRemoved?.(entry);
        this.#unbind(entry.ip.text);
      },
    };
    for (const entry of zones.addresses.values()) this.#bind(entry);
  }

  #bind(entry: AddressEntry): void {
    const ip = entry.ip.text;
    if (entry.check === undefined || this.#specs.get(ip) === entry.check) return;
    this.#unbind(ip);
    const o = this.#options;
    this.group.add(ip, {
      probe: probeFor(entry.check),
      interval: o.interval,
      fastInterval: o.fastInterval,
      downInterval: o.downInterval,
      timeout: o.timeout,
      rise: o.rise,
      fall: o.fall,
      initialState: 'up',
    });
    this.#specs.set(ip, entry.check);
  }

  #unbind(ip: string): void {
    if (this.group.remove(ip)) this.#specs.delete(ip);
  }

  start(): void {
    this.group.start();
  }

  stop(): void {
    this.group.stop();
  }

  /** The checker snapshot of an address, or undefined when it is not checked. */
  snapshot(ip: string): CheckerSnapshot | undefined {
    return this.group.get(ip)?.snapshot();
  }

  /** Number of checked addresses (for logs). */
  get size(): number {
    return this.group.size;
  }

  /** The zone set this monitor feeds. */
  get zones(): ZoneSet {
    return this.#zones;
  }
}
