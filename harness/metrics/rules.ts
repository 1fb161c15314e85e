import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DrillError } from '../engine/errors.js';
import { packageRoot } from '../util/paths.js';

/** The shipped rules file (Prometheus `rule_files` format) and its PrometheusRule twin. */
export const RULES_FILE = join(packageRoot(), 'monitoring', 'rules', 'drdrill.rules.yml');
export const PROMETHEUS_RULE_MANIFEST = join(packageRoot(), 'monitoring', 'kubernetes', 'prometheusrule.yaml');
export const RULE_TESTS_DIR = join(packageRoot(), 'monitoring', 'tests');

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Rule[];
}

export function loadRuleGroups(file = RULES_FILE): RuleGroup[] {
  const doc = parse(readFileSync(file, 'utf8')) as { groups?: RuleGroup[] } | null;
  if (!doc?.groups) throw new DrillError('invalid-config', `${file}: no "groups" (not a Prometheus rules file)`);
  return doc.groups;
}

export function alertNames(groups: RuleGroup[]): string[] {
  return groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
}

/** The alert rule and its group, or an error naming the alerts there are. */
export function findAlert(groups: RuleGroup[], name: string): { group: RuleGroup; rule: Rule } {
  for (const group of groups) {
    const rule = group.rules.find((r) => r.alert === name);
    if (rule) return { group, rule };
  }
  throw new DrillError(
    'invalid-config',
    `no alert ${name} in the rules; expected one of ${alertNames(groups).join(', ')}`,
  );
}

/** A Prometheus duration ("1h", "10m", "1h30m", "500ms") in seconds; an absent `for` is 0. */
export function durationSeconds(text: string | undefined): number {
  if (!text) return 0;
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  let total = 0;
  let rest = text;
  while (rest) {
    const m = /^(\d+)(ms|s|m|h|d|w|y)/.exec(rest);
    if (!m) throw new DrillError('invalid-config', `"${text}" is not a Prometheus duration (e.g. 10m, 1h30m)`);
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/**
 * Metric names an expression reads: identifiers with the prefixes of the metrics the shipped rules use
 * (drdrill's, postgres_exporter's, node_exporter's, and recording rules). Quoted strings are skipped.
 */
export function metricNamesIn(expr: string): string[] {
  const unquoted = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...new Set(unquoted.match(/\b(?:drdrill[_:]|pg_|node_)[A-Za-z0-9_:]*/g) ?? [])];
}
