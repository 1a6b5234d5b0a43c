import type { HeadlineFigures } from './stack-figures.js';

export interface HistoryPoint extends HeadlineFigures {
  at: number;
}

/** The headline figures of the last `capacity` ticks (15 minutes at one a second), oldest first. */
export class FigureHistory {
  readonly #points: HistoryPoint[] = [];

  constructor(readonly capacity = 900) {}

  push(at: number, h: HeadlineFigures): void {
    this.#points.push({ at, ...h });
    if (this.#points.length > this.capacity) this.#points.splice(0, this.#points.length - this.capacity);
  }

  /** Points newer than `sinceMs` (epoch ms), or all. */
  points(sinceMs = 0): HistoryPoint[] {
    return sinceMs > 0 ? this.#points.filter((p) => p.at > sinceMs) : [...this.#points];
  }
}
