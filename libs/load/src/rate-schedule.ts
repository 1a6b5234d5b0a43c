import type { RateSpec } from './types.js';

/** One piece of a schedule: the rate goes linearly from `from` to `to` (per second) over `durMs`. */
interface Segment {
  startMs: number;
  durMs: number; // Infinity for the last one
  from: number;
  to: number;
  /** Arrivals due before this segment starts. */
  before: number;
}

/**
 * The arrival schedule of an open model: how many arrivals are due by a time, and when the k-th is
 * intended. Arrival k (0-based) is intended at the time the integral of the rate reaches k, so a
 * constant 1000/s schedules arrivals at 0, 1, 2 … ms. After a ramp or the last step the last rate holds.
 */
export class RateSchedule {
  private readonly segments: Segment[] = [];

  constructor(readonly spec: RateSpec) {
    const pieces: Array<{ durMs: number; from: number; to: number }> = [];
    if (spec.kind === 'constant') pieces.push({ durMs: Infinity, from: spec.rate, to: spec.rate });
    else if (spec.kind === 'ramp') {
      pieces.push({ durMs: spec.overMs, from: spec.from, to: spec.to });
      pieces.push({ durMs: Infinity, from: spec.to, to: spec.to });
    } else {
      for (const s of spec.steps) pieces.push({ durMs: s.forMs, from: s.rate, to: s.rate });
      const last = spec.steps[spec.steps.length - 1];
      pieces.push({ durMs: Infinity, from: last?.rate ?? 0, to: last?.rate ?? 0 });
    }
    let startMs = 0;
    let before = 0;
    for (const p of pieces) {
      if (p.durMs <= 0) continue;
      const seg: Segment = { startMs, durMs: p.durMs, from: p.from, to: p.to, before };
      this.segments.push(seg);
      if (!Number.isFinite(p.durMs)) break;
      before += ((p.from + p.to) / 2) * (p.durMs / 1000);
      startMs += p.durMs;
    }
  }

  /** Target rate (per second) at `tMs`. */
  rateAt(tMs: number): number {
    const s = this.segmentAt(tMs);
    if (!Number.isFinite(s.durMs)) return s.from;
    return s.from + ((s.to - s.from) * (tMs - s.startMs)) / s.durMs;
  }

  /** Arrivals due in [0, tMs) as a real number (the integral of the rate). */
  cumulative(tMs: number): number {
    if (tMs <= 0) return 0;
    const s = this.segmentAt(tMs);
    const x = (tMs - s.startMs) / 1000;
    const slope = Number.isFinite(s.durMs) ? (s.to - s.from) / (s.durMs / 1000) : 0;
    return s.before + s.from * x + (slope * x * x) / 2;
  }

  /** Intended time (ms from start) of arrival `k` (0-based); Infinity when the rate never gets there. */
  arrivalTime(k: number): number {
    for (let i = 0; i < this.segments.length; i++) {
      const s = this.segments[i]!;
      const next = this.segments[i + 1];
      if (next && k >= next.before) continue;
      const c = k - s.before;
      const a = s.from;
      const slope = Number.isFinite(s.durMs) ? (s.to - s.from) / (s.durMs / 1000) : 0;
      let x: number;
      if (Math.abs(slope) < 1e-12) {
        if (a <= 0) {
          if (next) continue;
          return Infinity;
        }
        x = c / a;
      } else {
        const disc = a * a + 2 * slope * c;
        if (disc < 0) return Infinity;
        x = (-a + Math.sqrt(disc)) / slope;
      }
      return s.startMs + x * 1000;
    }
    return Infinity;
  }

  /** Highest rate anywhere in the first `durationMs`. */
  peak(durationMs: number): number {
    let max = 0;
    for (const s of this.segments) {
      if (s.startMs >= durationMs) break;
      max = Math.max(max, s.from);
      const end = Number.isFinite(s.durMs) ? Math.min(s.startMs + s.durMs, durationMs) : durationMs;
      max = Math.max(max, s.from + (s.to - s.from) * (Number.isFinite(s.durMs) ? (end - s.startMs) / s.durMs : 0));
    }
    return max;
  }

  private segmentAt(tMs: number): Segment {
    let found = this.segments[0]!;
    for (const s of this.segments) {
      if (s.startMs <= tMs) found = s;
      else break;
    }
    return found;
  }
}
