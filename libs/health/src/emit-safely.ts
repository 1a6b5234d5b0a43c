import type { EventEmitter } from 'node:events';

/**
 * Call every listener of `event` with `payload`, catching what they throw so that a faulty listener
 * can never break a timer callback or the caller's request path. once() listeners are removed, as
 * with emit(). Internal helper, not part of the public surface.
 */
export function emitSafely(
  emitter: EventEmitter,
  event: string,
  payload: unknown,
  onListenerError: (err: unknown, event: string) => void,
): void {
  for (const listener of emitter.rawListeners(event) as Array<(p: unknown) => void>) {
    try {
      listener.call(emitter, payload);
    } catch (err) {
      try {
        onListenerError(err, event);
      } catch {
        // an error handler that throws has nowhere else to go
      }
    }
  }
}

/** The default listener-error handler: a process warning (visible, never fatal). */
export function warnListenerError(owner: string): (err: unknown, event: string) => void {
  return (err, event) => {
    process.emitWarning(`${owner}: a '${event}' listener threw: ${String(err)}`, 'HealthListenerWarning');
  };
}
