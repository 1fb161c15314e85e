import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { DrillError, errorMessage } from '../engine/errors.js';
import { BASE_LABELS, isMetricName, METRIC_FAMILIES, type MetricName, type Sample } from './families.js';

/**
 * `openmetrics`: OpenMetrics 1.0 with `# UNIT` lines and `# EOF`. `text`: the Prometheus text format 0.0.4
 * (the Pushgateway's input). Both are gauges without timestamps, so each is also valid as the other: the
 * node_exporter textfile collector reads the OpenMetrics file as text (UNIT and EOF are comments there).
 */
export type ExpositionFormat = 'openmetrics' | 'text';

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function renderExposition(samples: Sample[], format: ExpositionFormat): string {
  const lines: string[] = [];
  for (const [name, family] of Object.entries(METRIC_FAMILIES) as [
    MetricName,
    (typeof METRIC_FAMILIES)[MetricName],
  ][]) {
    const rows = samples
      .filter((s) => s.name === name)
      .map((s) => `${name}{${labelText(s.labels, family.labels)}} ${formatValue(s.value)}`)
      .sort();
    if (!rows.length) continue;
    lines.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} gauge`);
    if (format === 'openmetrics' && 'unit' in family) lines.push(`# UNIT ${name} ${family.unit}`);
    lines.push(...new Set(rows));
  }
  if (format === 'openmetrics') lines.push('# EOF');
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/**
 * Reads drdrill's own exposition back (a metrics file it wrote earlier, or the Pushgateway's page, filtered by
 * `keep`). Series of other metrics are ignored when `foreign` is 'ignore' and refused when it is 'refuse', so
 * `--metrics` never overwrites somebody else's file.
 */
export function parseExposition(
  text: string,
  source: string,
  opts: { foreign: 'ignore' | 'refuse'; keep?: (labels: Record<string, string>) => boolean },
): Sample[] {
  let families: ReturnType<typeof parsePrometheusTextFormat>;
  try {
    families = parsePrometheusTextFormat(text);
  } catch (err) {
    throw new DrillError('invalid-config', `${source}: not in the Prometheus text format (${errorMessage(err)})`);
  }
  if (text.trim() && !families.length && opts.foreign === 'refuse')
    throw new DrillError('invalid-config', `${source}: not a drdrill metrics file (no metric in it)`);
  const out: Sample[] = [];
  for (const family of families) {
    if (!isMetricName(family.name)) {
      if (opts.foreign === 'ignore') continue;
      throw new DrillError(
        'invalid-config',
        `${source}: not a drdrill metrics file (it holds ${family.name}); give --metrics a file of its own`,
      );
    }
    for (const m of family.metrics) {
      const labels = m.labels ?? {};
      if (opts.keep && !opts.keep(labels)) continue;
      const value = Number(m.value);
      if (!Number.isFinite(value) || BASE_LABELS.some((l) => labels[l] === undefined))
        throw new DrillError('invalid-config', `${source}: unreadable ${family.name} sample (value "${m.value}")`);
      const own = [...BASE_LABELS, ...METRIC_FAMILIES[family.name].labels];
      out.push({ name: family.name, labels: Object.fromEntries(own.map((l) => [l, labels[l] ?? ''])), value });
    }
  }
  return out;
}

function labelText(labels: Record<string, string>, extra: readonly string[]): string {
  return [...BASE_LABELS, ...extra].map((l) => `${l}="${escapeLabelValue(labels[l] ?? '')}"`).join(',');
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Only finite values reach here; JavaScript's shortest round-trip form is valid in both formats (1e+21 too). */
function formatValue(value: number): string {
  return String(value);
}
