import { EventEmitter } from 'node:events';
import { ActiveChecker } from './active-checker.js';
import type { ActiveCheckerEvents, ActiveCheckerOptions, ChangeEvent, CheckResult, CheckerSnapshot, HealthState } from './active-checker.js';
import { HealthDuplicateNameError, HealthOptionError } from './health-error.js';

export type HealthGroupEvents = ActiveCheckerEvents;

interface Member {
  checker: ActiveChecker;
  onChange: (e: ChangeEvent) => void;
  onCheck: (e: CheckResult) => void;
}

/**
 * A set of named ActiveCheckers (one pool: the DNS server's LBs, an LB's backends). Forwards every
 * member's 'change' and 'check' events. While the group is started, added members start too and
 * removed members are stopped.
 */
export class HealthGroup extends EventEmitter<HealthGroupEvents> {
  readonly #members = new Map<string, Member>();
  #running = false;

  /**
   * Add a checker under `name`: an existing ActiveChecker (its own `name` is ignored for the key) or
   * the options to build one (the name is filled in). Throws HEALTH_ERR_DUPLICATE_NAME when taken.
   */
  add(name: string, checker: ActiveChecker | Omit<ActiveCheckerOptions, 'name'>): ActiveChecker {
    if (typeof name !== 'string' || name === '') throw new HealthOptionError('name must be a non-empty string');
    if (this.#members.has(name)) throw new HealthDuplicateNameError(name);
    const instance = checker instanceof ActiveChecker ? checker : new ActiveChecker({ ...checker, name });
    const member: Member = {
      checker: instance,
      onChange: (e) => this.emit('change', { ...e, name }),
      onCheck: (e) => this.emit('check', { ...e, name }),
    };
    instance.on('change', member.onChange);
    instance.on('check', member.onCheck);
    this.#members.set(name, member);
    if (this.#running) instance.start();
    return instance;
  }

  /** Remove and stop a member. Returns false when there was none. */
  remove(name: string): boolean {
    const member = this.#members.get(name);
    if (!member) return false;
    this.#members.delete(name);
    member.checker.off('change', member.onChange);
    member.checker.off('check', member.onCheck);
    member.checker.stop();
    return true;
  }

  get(name: string): ActiveChecker | undefined {
    return this.#members.get(name)?.checker;
  }

  has(name: string): boolean {
    return this.#members.has(name);
  }

  names(): string[] {
    return [...this.#members.keys()];
  }

  get size(): number {
    return this.#members.size;
  }

  /** Current state of every member, by name. */
  states(): Record<string, HealthState> {
    const out: Record<string, HealthState> = {};
    for (const [name, m] of this.#members) out[name] = m.checker.state;
    return out;
  }

  /** Names of the members that are up, in insertion order. */
  upNames(): string[] {
    return [...this.#members].filter(([, m]) => m.checker.isUp).map(([name]) => name);
  }

  /** True when no member is up (including an empty group): the cue for callers that fail open. */
  get allDown(): boolean {
    for (const m of this.#members.values()) if (m.checker.isUp) return false;
    return true;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): this {
    this.#running = true;
    for (const m of this.#members.values()) m.checker.start();
    return this;
  }

  stop(): this {
    this.#running = false;
    for (const m of this.#members.values()) m.checker.stop();
    return this;
  }

  /** Check every member now; resolves with the results by name. Never rejects. */
  async checkAll(): Promise<Record<string, CheckResult>> {
    const entries = await Promise.all(
      [...this.#members].map(async ([name, m]) => [name, { ...(await m.checker.checkNow()), name }] as const),
    );
    return Object.fromEntries(entries);
  }

  snapshot(): CheckerSnapshot[] {
    return [...this.#members].map(([name, m]) => ({ ...m.checker.snapshot(), name }));
  }
}
