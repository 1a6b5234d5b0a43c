// A compact description of Grafana dashboards and its rendering to Grafana's JSON model (schema 39,
// Grafana 10/11). The dashboards in compose/grafana/dashboards/ are generated from these
// descriptions (scripts/generate-dashboards.ts), so every query lives in one typed place and the
// checks (PromQL parses, metric names exist) read the same JSON Grafana loads.

/** The provisioned data source (compose/grafana/provisioning/datasources/prometheus.yml). */
export const DATASOURCE = { type: 'prometheus', uid: 'prometheus' } as const;

export interface QuerySpec {
  expr: string;
  /** Legend template, e.g. `{{instance}}`. */
  legend?: string;
}

export type PanelKind = 'timeseries' | 'stat' | 'table';

export interface PanelSpec {
  title: string;
  description: string;
  kind?: PanelKind;
  /** Grafana unit id: reqps, s, percentunit, short, bytes, Bps, ops … */
  unit?: string;
  /** Width in grid columns (24 = full row). Default 8. */
  width?: number;
  /** Height in grid rows. Default 8. */
  height?: number;
  /** Stat panels: show 1/0 as UP/DOWN in green/red. */
  upDown?: boolean;
  /** Time series: stack the series. */
  stacked?: boolean;
  queries: QuerySpec[];
}

export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

export interface VariableSpec {
  name: string;
  label: string;
  /** `label_values(<selector>, <label>)`. */
  query: string;
}

export interface DashboardSpec {
  /** File name (without .json) under compose/grafana/dashboards/. */
  file: string;
  uid: string;
  title: string;
  description: string;
  variables?: VariableSpec[];
  rows: RowSpec[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Grafana's JSON model of a dashboard. */
export function renderDashboard(spec: DashboardSpec): { [key: string]: Json } {
  const panels: Json[] = [];
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({ id: id++, type: 'row', title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const p of row.panels) {
      const w = p.width ?? 8;
      const h = p.height ?? 8;
      if (x + w > 24) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      panels.push(renderPanel(p, id++, { h, w, x, y }));
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['scaleout'],
    editable: true,
    graphTooltip: 1,
    refresh: '5s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-15m', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    links: [{ type: 'dashboards', tags: ['scaleout'], asDropdown: true, title: 'scaleout', includeVars: false, keepTime: true }],
    annotations: { list: [] },
    templating: { list: (spec.variables ?? []).map(renderVariable) },
    panels,
  };
}

function renderVariable(v: VariableSpec): Json {
  return {
    name: v.name,
    label: v.label,
    type: 'query',
    datasource: { ...DATASOURCE },
    query: { query: v.query, refId: `${v.name}-query` },
    definition: v.query,
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    sort: 1,
  };
}

function renderPanel(p: PanelSpec, id: number, gridPos: { h: number; w: number; x: number; y: number }): Json {
  const kind = p.kind ?? 'timeseries';
  const targets: Json[] = p.queries.map((q, i) => ({
    refId: String.fromCharCode(65 + i),
    datasource: { ...DATASOURCE },
    expr: q.expr,
    legendFormat: q.legend ?? '__auto',
    range: kind !== 'table',
    instant: kind === 'table',
  }));
  const defaults: { [key: string]: Json } = { unit: p.unit ?? 'short' };
  let options: { [key: string]: Json };
  if (kind === 'stat') {
    options = {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: p.upDown ? 'background' : 'value',
      graphMode: p.upDown ? 'none' : 'area',
      justifyMode: 'auto',
      orientation: 'auto',
      textMode: 'auto',
    };
    if (p.upDown) {
      defaults.mappings = [
        { type: 'value', options: { '0': { text: 'DOWN', color: 'red', index: 0 }, '1': { text: 'UP', color: 'green', index: 1 } } },
      ];
      defaults.thresholds = { mode: 'absolute', steps: [{ color: 'red', value: null }, { color: 'green', value: 1 }] };
    }
  } else if (kind === 'table') {
    options = { showHeader: true, cellHeight: 'sm' };
  } else {
    defaults.custom = {
      drawStyle: 'line',
      lineWidth: 1,
      fillOpacity: p.stacked ? 30 : 10,
      showPoints: 'never',
      spanNulls: false,
      stacking: { mode: p.stacked ? 'normal' : 'none', group: 'A' },
    };
    options = {
      legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
      tooltip: { mode: 'multi', sort: 'desc' },
    };
  }
  return {
    id,
    type: kind,
    title: p.title,
    description: p.description,
    datasource: { ...DATASOURCE },
    gridPos,
    fieldConfig: { defaults, overrides: [] },
    options,
    targets,
  };
}

/** Every PromQL expression of a rendered dashboard: panel targets and query variables. */
export function dashboardExpressions(dashboard: unknown): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  const d = dashboard as { title?: string; panels?: unknown[]; templating?: { list?: unknown[] } };
  const walk = (panels: unknown[] | undefined) => {
    for (const raw of panels ?? []) {
      const p = raw as { title?: string; targets?: { expr?: string; refId?: string }[]; panels?: unknown[] };
      for (const t of p.targets ?? []) {
        if (typeof t.expr === 'string') out.push({ where: `${d.title} / ${p.title} / ${t.refId}`, expr: t.expr });
      }
      walk(p.panels);
    }
  };
  walk(d.panels);
  for (const raw of d.templating?.list ?? []) {
    const v = raw as { name?: string; query?: string | { query?: string } };
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    if (!q) continue;
    const m = /^label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)$/.exec(q.trim());
    if (m) out.push({ where: `${d.title} / variable ${v.name}`, expr: m[1]! });
  }
  return out;
}
