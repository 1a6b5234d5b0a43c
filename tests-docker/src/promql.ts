// Just enough PromQL lexing to list the metric names an expression reads. Parsing proper is
// promtool's job (see rules-file.ts); this only has to find the selectors.

/**
 * PromQL keywords, aggregation operators (which may be followed by `by (…)` before their argument,
 * so they are not always directly followed by a parenthesis) and modifiers that look like identifiers.
 */
const KEYWORDS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'atan2',
  'inf',
  'nan',
]);

/** Grafana's built-in interval variables, replaced by a fixed duration so promtool can parse. */
const INTERVAL_VARIABLES = /\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}/g;

/**
 * Replaces Grafana template variables: `$__rate_interval` and friends by `1m`, `$name` / `${name}`
 * inside label matchers by `.*` (dashboards use them as `label=~"$name"`).
 */
export function substituteGrafanaVariables(expr: string): string {
  return expr.replace(INTERVAL_VARIABLES, '1m').replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, '.*');
}

/**
 * Metric names selected by a PromQL expression, sorted and de-duplicated. Strings, label matchers
 * (`{…}`), range and subquery brackets (`[…]`), grouping label lists (`by (…)`, `on (…)`, …),
 * function names and keywords are skipped; `{__name__="x"}` selectors are read too.
 */
export function metricNamesIn(expr: string): string[] {
  const names = new Set<string>();
  let i = 0;
  const n = expr.length;
  let lastWord = '';
  while (i < n) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(expr, i);
      continue;
    }
    if (c === '#') {
      while (i < n && expr[i] !== '\n') i++;
      continue;
    }
    if (c === '{') {
      const end = matching(expr, i, '{', '}');
      const m = /__name__\s*=\s*"([^"]+)"/.exec(expr.slice(i, end));
      if (m) names.add(m[1]!);
      i = end + 1;
      lastWord = '';
      continue;
    }
    if (c === '[') {
      i = matching(expr, i, '[', ']') + 1;
      continue;
    }
    if (c === '(' && GROUPING.has(lastWord)) {
      i = matching(expr, i, '(', ')') + 1;
      lastWord = '';
      continue;
    }
    if (/[A-Za-z_:]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_:]/.test(expr[j]!)) j++;
      const word = expr.slice(i, j);
      let k = j;
      while (k < n && /\s/.test(expr[k]!)) k++;
      const isCall = expr[k] === '(';
      const lower = word.toLowerCase();
      if (!isCall && !KEYWORDS.has(lower) && !isDurationTail(expr, i)) names.add(word);
      lastWord = lower;
      i = j;
      continue;
    }
    if (!/\s/.test(c)) lastWord = '';
    i++;
  }
  return [...names].sort();
}

const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

/** `5m`, `1h30m`: the letters of a duration follow digits directly. */
function isDurationTail(expr: string, start: number): boolean {
  return start > 0 && /[0-9]/.test(expr[start - 1]!);
}

function skipString(s: string, start: number): number {
  const quote = s[start]!;
  let i = start + 1;
  while (i < s.length && s[i] !== quote) {
    if (s[i] === '\\' && quote !== '`') i++;
    i++;
  }
  return i + 1;
}

function matching(s: string, start: number, open: string, close: string): number {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(s, i) - 1;
      continue;
    }
    if (c === open) depth++;
    else if (c === close && --depth === 0) return i;
  }
  throw new Error(`unbalanced ${open}${close} in ${JSON.stringify(s)}`);
}
