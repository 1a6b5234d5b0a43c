// The metric names a running service exposes, from its /metrics text or from Prometheus's metadata:
// every family, expanded to the series names a query can select (a histogram `x` is queried as
// `x_bucket`, `x_sum` and `x_count`). A family with no sample yet (a labelled counter nothing has
// incremented) still counts: prom-client prints its `# TYPE` line, and dashboards may use it.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped' | 'unknown' | 'gaugehistogram' | 'info' | 'stateset';

/** Series names a family of this type produces. */
export function seriesNames(family: string, type: MetricType | string): string[] {
  switch (type) {
    case 'histogram':
    case 'gaugehistogram':
      return [`${family}_bucket`, `${family}_sum`, `${family}_count`];
    case 'summary':
      return [family, `${family}_sum`, `${family}_count`];
    default:
      return [family];
  }
}

/** Families (name → type) and sample names of one Prometheus text exposition. */
export function parseExposition(text: string): { families: Map<string, string>; samples: Set<string> } {
  const families = new Map<string, string>();
  const samples = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s+TYPE\s+([A-Za-z_:][A-Za-z0-9_:]*)\s+(\S+)/.exec(line);
      if (m) families.set(m[1]!, m[2]!);
      continue;
    }
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)/.exec(line);
    if (m) samples.add(m[1]!);
  }
  return { families, samples };
}

/** A set of metric names that can be selected, built from expositions and/or Prometheus metadata. */
export class MetricCatalog {
  readonly #names = new Set<string>();
  readonly #sources = new Map<string, string>();

  /** Adds every series name of a /metrics text; `source` names where it came from (for messages). */
  addExposition(text: string, source: string): void {
    const { families, samples } = parseExposition(text);
    for (const [family, type] of families) for (const s of seriesNames(family, type)) this.add(s, source);
    for (const s of samples) this.add(s, source);
  }

  /** Adds the families of Prometheus's `/api/v1/metadata` answer (`{ data: { name: [{ type }] } }`). */
  addPrometheusMetadata(data: Record<string, { type: string }[]>, source: string): void {
    for (const [family, entries] of Object.entries(data)) {
      for (const e of entries) for (const s of seriesNames(family, e.type)) this.add(s, source);
    }
  }

  add(name: string, source: string): void {
    this.#names.add(name);
    if (!this.#sources.has(name)) this.#sources.set(name, source);
  }

  has(name: string): boolean {
    return this.#names.has(name);
  }

  get size(): number {
    return this.#names.size;
  }

  /** Names with the given prefix (for "did you mean" hints). */
  withPrefix(prefix: string): string[] {
    return [...this.#names].filter((n) => n.startsWith(prefix)).sort();
  }
}
