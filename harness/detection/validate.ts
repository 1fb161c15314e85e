import { dirname, resolve } from 'node:path';
import { errorMessage } from '../engine/errors.js';
import { faultDefinition } from '../faults/index.js';
import { findAlert, loadRuleGroups, metricNamesIn, RULES_FILE, type Rule } from '../metrics/rules.js';
import { findTool, installHint, type PrometheusTool } from '../metrics/tools.js';
import type { LoadedScenario } from '../scenario/load.js';
import { parseDuration } from '../scenario/fields.js';
import type { Scenario } from '../scenario/schema.js';
import { drillRules } from './drill-rules.js';
import type { DetectSpec } from './spec.js';

/** The rules file a scenario's `detect` reads: its `rules`, relative to the scenario file, or the shipped one. */
export function rulesFileOf(loaded: Pick<LoadedScenario, 'file'>, spec: DetectSpec): string {
  return spec.rules ? resolve(dirname(loaded.file), spec.rules) : RULES_FILE;
}

/** Whether the alert reads node_exporter's filesystem metrics (and so needs node_exporter and a volume). */
export function readsFilesystem(rule: Rule): boolean {
  return metricNamesIn(rule.expr).some((m) => m.startsWith('node_filesystem_'));
}

/**
 * Problems with a scenario's `detect`, each at the path it concerns: the alert must exist in the rules, read
 * metrics a drill's exporters publish, have a volume to watch when it reads filesystem metrics, and fit its
 * `for` in `within` and `within` in the deadline.
 */
export function detectionProblems(loaded: LoadedScenario<Scenario>): { path: (string | number)[]; message: string }[] {
  const { scenario } = loaded;
  const spec = scenario.detect;
  if (!spec) return [];
  const problems: { path: (string | number)[]; message: string }[] = [];
  const add = (path: (string | number)[], message: string) => problems.push({ path: ['detect', ...path], message });
  if (!scenario.fault) add([], 'needs a fault: detection is measured from the fault');
  const within = parseDuration(spec.within);
  if (within >= parseDuration(scenario.deadline))
    add(['within'], `(${spec.within}) must be shorter than the drill's deadline (${scenario.deadline})`);
  if (spec.for && parseDuration(spec.for) >= within)
    add(
      ['for'],
      `(${spec.for}) must be shorter than detect.within (${spec.within}), or the alert can never fire in time`,
    );

  const file = rulesFileOf(loaded, spec);
  let rule: Rule;
  try {
    rule = findAlert(loadRuleGroups(file), spec.alert).rule;
  } catch (err) {
    const message = errorMessage(err);
    if (/^no alert /.test(message))
      add(['alert'], message.replace('in the rules', `in ${spec.rules ?? 'the shipped rules'}`));
    else if ((err as NodeJS.ErrnoException).code === 'ENOENT') add(['rules'], `${file} does not exist`);
    else add(['rules'], message);
    return problems;
  }
  for (const [from] of Object.entries(spec.replace ?? {}))
    if (!rule.expr.includes(from)) add(['replace', from], `does not occur in the expression of ${spec.alert}`);
  const foreign = metricNamesIn(rule.expr).filter((m) => m.startsWith('drdrill'));
  if (foreign.length)
    add(
      ['alert'],
      `${spec.alert} reads ${foreign.join(', ')}, which no exporter publishes during a drill; detect measures alerts on postgres_exporter (pg_*) and node_exporter (node_*) metrics`,
    );
  const volume = scenario.fault
    ? faultDefinition(scenario.fault.type).provisionHints?.(scenario.fault)?.volume
    : undefined;
  if (readsFilesystem(rule) && !volume)
    add(
      ['alert'],
      `${spec.alert} reads node_filesystem_* metrics, but this drill has no size-limited volume to point them at (fault type "disk-full" has one)`,
    );
  if (!problems.length) {
    try {
      drillRules([{ name: 'check', rules: [rule] }], spec, volume ? ['/volume'] : []);
    } catch (err) {
      add([], errorMessage(err));
    }
  }
  return problems;
}

/** The Prometheus daemons a scenario's `detect` starts, found on PATH, or a missing-prerequisite message. */
export function detectionToolsMissing(loaded: LoadedScenario<Scenario>): string | undefined {
  const spec = loaded.scenario.detect;
  if (!spec) return undefined;
  const tools: PrometheusTool[] = ['prometheus', 'postgresExporter'];
  try {
    if (readsFilesystem(findAlert(loadRuleGroups(rulesFileOf(loaded, spec)), spec.alert).rule))
      tools.push('nodeExporter');
  } catch {
    // Reported by detectionProblems.
  }
  const missing = tools.filter((t) => !findTool(t));
  return missing.length ? `detect: ${missing.map(installHint).join('; ')}` : undefined;
}
