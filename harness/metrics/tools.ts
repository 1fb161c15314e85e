import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The Prometheus tools drdrill drives, with the Debian package that ships each. */
export const PROMETHEUS_TOOLS = {
  promtool: { bin: 'promtool', package: 'prometheus' },
  prometheus: { bin: 'prometheus', package: 'prometheus' },
  pushgateway: { bin: 'prometheus-pushgateway', package: 'prometheus-pushgateway' },
  postgresExporter: { bin: 'prometheus-postgres-exporter', package: 'prometheus-postgres-exporter' },
  nodeExporter: { bin: 'prometheus-node-exporter', package: 'prometheus-node-exporter' },
} as const;

export type PrometheusTool = keyof typeof PROMETHEUS_TOOLS;

/** The tool's path on PATH, or undefined. */
export function findTool(tool: PrometheusTool): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, PROMETHEUS_TOOLS[tool].bin);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

export function installHint(tool: PrometheusTool): string {
  return `${PROMETHEUS_TOOLS[tool].bin} not found; install it with: apt-get install -y ${PROMETHEUS_TOOLS[tool].package}`;
}
