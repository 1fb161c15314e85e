import { durationSeconds, findAlert, type Rule, type RuleGroup } from '../metrics/rules.js';
import { withinSeconds, type DetectSpec } from './spec.js';

/** Prometheus evaluates the drill's copy of the rules, and scrapes the exporters, this often. */
export const EVALUATION_INTERVAL = '1s';

/** The rules a drill loads into its Prometheus: the rules file, with the alert under test adapted to the drill. */
export interface DrillRules {
  groups: RuleGroup[];
  /** The alert rule as the drill's Prometheus evaluates it. */
  rule: Rule;
  /** The rule's own `for` and the one the drill uses, in seconds. */
  ruleForSeconds: number;
  forSeconds: number;
  /** Every difference from the rules file, in words, for the journal and the report. */
  changes: string[];
}

/**
 * The drill's copy of the rules. The alert under test gets the drill's `for` (the scenario's, or the rule's own
 * shortened to a quarter of `within` when it would not fit), the scenario's text replacements, and, when it reads
 * node_exporter's filesystem metrics, selectors pointed at the drill's size-limited volumes. Every group is
 * evaluated every second.
 */
export function drillRules(source: RuleGroup[], spec: DetectSpec, volumes: string[]): DrillRules {
  const groups = structuredClone(source);
  const { group, rule } = findAlert(groups, spec.alert);
  const changes: string[] = [];

  for (const [from, to] of Object.entries(spec.replace ?? {})) {
    if (!rule.expr.includes(from)) throw new Error(`"${from}" does not occur in the expression of ${spec.alert}`);
    rule.expr = rule.expr.split(from).join(to);
    changes.push(`expression: "${from}" replaced with "${to}"`);
  }
  if (/\bnode_filesystem_/.test(rule.expr)) {
    if (!volumes.length) throw new Error(`${spec.alert} reads node_filesystem_* metrics, but the drill has no volume`);
    const pointed = pointAtMountpoints(rule.expr, volumes);
    if (pointed !== rule.expr) {
      rule.expr = pointed;
      changes.push(`node_filesystem_* selectors: mountpoint ${mountpointMatcher(volumes)} (the drill's volume)`);
    }
  }

  const ruleForSeconds = durationSeconds(rule.for);
  const within = withinSeconds(spec);
  const forSeconds = spec.for ? durationSeconds(spec.for) : Math.min(ruleForSeconds, within / 4);
  if (forSeconds !== ruleForSeconds) {
    changes.push(
      `for: ${rule.for ?? '0s'} → ${promDuration(forSeconds)}${forSeconds < ruleForSeconds ? ' (shortened for the drill)' : ''}`,
    );
    rule.for = promDuration(forSeconds);
  }
  for (const g of groups) {
    if (g === group && g.interval && g.interval !== EVALUATION_INTERVAL)
      changes.push(`group ${g.name}: evaluated every ${EVALUATION_INTERVAL} instead of ${g.interval}`);
    g.interval = EVALUATION_INTERVAL;
  }
  return { groups, rule, ruleForSeconds, forSeconds, changes };
}

/** Seconds as a Prometheus duration: "15s", "7500ms", "1h". */
export function promDuration(seconds: number): string {
  if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60}m`;
  return Number.isInteger(seconds) ? `${seconds}s` : `${Math.round(seconds * 1000)}ms`;
}

/** A label matcher that selects exactly these mountpoints. */
export function mountpointMatcher(paths: string[]): string {
  if (paths.length === 1) return `="${promString(paths[0]!)}"`;
  return `=~"${paths.map((p) => promString(p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('|')}"`;
}

function promString(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/**
 * Every node_filesystem_* selector of an expression with its mountpoint matchers replaced by one selecting the
 * given paths (added where the selector had none). Quoted strings are left alone.
 */
export function pointAtMountpoints(expr: string, paths: string[]): string {
  const matcher = `mountpoint${mountpointMatcher(paths)}`;
  let out = '';
  let i = 0;
  while (i < expr.length) {
    const ch = expr[i]!;
    if (ch === '"' || ch === "'" || ch === '`') {
      const end = endOfQuoted(expr, i);
      out += expr.slice(i, end);
      i = end;
      continue;
    }
    const name = /^node_filesystem_[A-Za-z0-9_]*/.exec(expr.slice(i));
    if (!name || /[A-Za-z0-9_:]/.test(expr[i - 1] ?? '')) {
      out += ch;
      i++;
      continue;
    }
    out += name[0];
    i += name[0].length;
    const ws = /^\s*/.exec(expr.slice(i))![0];
    if (expr[i + ws.length] === '{') {
      const close = endOfBraces(expr, i + ws.length);
      const kept = splitMatchers(expr.slice(i + ws.length + 1, close - 1)).filter(
        (m) => !/^mountpoint\s*(=~|!~|!=|=)/.test(m),
      );
      out += `{${[...kept, matcher].join(', ')}}`;
      i = close;
    } else {
      out += `{${matcher}}`;
    }
  }
  return out;
}

function endOfQuoted(text: string, start: number): number {
  const quote = text[start]!;
  let i = start + 1;
  while (i < text.length && text[i] !== quote) i += text[i] === '\\' && quote !== '`' ? 2 : 1;
  return Math.min(i + 1, text.length);
}

/** Index just past the `}` closing the `{` at start. */
function endOfBraces(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '}') i = text[i] === '"' || text[i] === "'" ? endOfQuoted(text, i) : i + 1;
  return i + 1;
}

function splitMatchers(inner: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < inner.length;) {
    const ch = inner[i]!;
    if (ch === '"' || ch === "'") {
      const end = endOfQuoted(inner, i);
      current += inner.slice(i, end);
      i = end;
    } else if (ch === ',') {
      parts.push(current);
      current = '';
      i++;
    } else {
      current += ch;
      i++;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}
