import { mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { budgetMs } from '../engine/budgets.js';
import type { Drill } from '../engine/context.js';
import { DrillError, errorMessage } from '../engine/errors.js';
import { SkipDrill } from '../engine/skip.js';
import type { ConnectionInfo } from '../environments/types.js';
import { startLoopbackDaemon, type LoopbackDaemon } from '../metrics/loopback-daemon.js';
import { loadRuleGroups } from '../metrics/rules.js';
import { packageRoot } from '../util/paths.js';
import { retryUntil } from '../util/retry.js';
import { drillRules, EVALUATION_INTERVAL, type DrillRules } from './drill-rules.js';
import { instantQuery, loadedAlertRules, scrapeTargets } from './prometheus-api.js';
import type { DetectSpec } from './spec.js';
import { readsFilesystem, rulesFileOf } from './validate.js';

/** Prometheus (and its exporters) watching a drill's primary, with the drill's copy of the rules loaded. */
export interface AlertMonitor {
  readonly spec: DetectSpec;
  /** The rules file as the scenario names it (or the shipped one's path in the package). */
  readonly rulesFile: string;
  readonly url: string;
  readonly rules: DrillRules;
  /** Wall-clock epoch ms when Prometheus was ready: the start of its ALERTS history. */
  readonly startedAt: number;
}

/**
 * For a scenario with `detect`: starts postgres_exporter on the primary, node_exporter when the alert reads
 * filesystem metrics, and Prometheus scraping them every second with the drill's copy of the rules; each is
 * stopped at teardown (registered the moment it started). Returns once every target was scraped and the alert
 * is loaded, so a drill never blames the alert for a scrape that never worked.
 */
export async function startMonitoring(drill: Drill): Promise<AlertMonitor | undefined> {
  const spec = drill.scenario.detect;
  if (!spec) return undefined;
  const file = rulesFileOf(drill.loaded, spec);
  const source = loadRuleGroups(file);
  const volumes = await Promise.all(
    [drill.primary.volume?.path, drill.primary.walVolume?.path]
      .filter((p): p is string => !!p)
      .map((p) => realpath(p).catch(() => p)),
  );
  const rules = drillRules(source, spec, volumes);
  const filesystem = readsFilesystem(rules.rule);
  if (filesystem && drill.env.kind !== 'native')
    throw new SkipDrill(
      `detect: ${spec.alert} reads node_exporter's filesystem metrics; on ${drill.env.kind} the drill's volume is inside a container, where a node_exporter on this host cannot see it`,
    );

  const dir = join(drill.workDir, 'prometheus');
  await mkdir(join(dir, 'data'), { recursive: true });
  const rulesText = stringify({ groups: rules.groups });
  await writeFile(join(dir, 'rules.yml'), rulesText);
  await drill.saveArtifact(
    'prometheus-rules.yml',
    `# The drill's copy of ${spec.rules ?? 'the shipped rules'}${rules.changes.map((c) => `\n# - ${c}`).join('')}\n${rulesText}`,
    `the rules Prometheus evaluated in this drill, with what differs from ${spec.rules ?? 'the shipped rules'}`,
  );

  const started = (name: string, d: LoopbackDaemon) => {
    drill.onTeardown(`stop ${name}`, () => d.stop());
    drill.recorder.event('monitoring', `${name} (pid ${d.pid}) at ${d.url}`, { pid: d.pid, url: d.url });
  };
  const postgresExporter = await startLoopbackDaemon({
    tool: 'postgresExporter',
    args: (listen) => [`--web.listen-address=${listen}`],
    readyPath: '/metrics',
    env: { ...process.env, DATA_SOURCE_NAME: dataSourceName(drill.primary.connection('postgres')) },
  });
  started('postgres_exporter', postgresExporter);
  const targets: Record<string, string> = { postgres: new URL(postgresExporter.url).host };
  if (filesystem) {
    // node_exporter lists mounts from <procfs>/1/mounts: PID 1's view, which lacks a user namespace's tmpfs.
    // Pointing "1" at /proc/self makes it list the mounts of the namespace it runs in.
    const procfs = join(dir, 'procfs');
    await mkdir(procfs, { recursive: true });
    await symlink('/proc/self', join(procfs, '1'));
    const nodeExporter = await startLoopbackDaemon({
      tool: 'nodeExporter',
      args: (listen) => [
        `--web.listen-address=${listen}`,
        '--collector.disable-defaults',
        '--collector.filesystem',
        `--path.procfs=${procfs}`,
      ],
      readyPath: '/metrics',
      // Without root the volume is a mount in a user namespace: node_exporter must look from in there.
      ...(drill.primary.hostCommand ? { wrap: drill.primary.hostCommand.bind(drill.primary) } : {}),
    });
    started('node_exporter', nodeExporter);
    targets.node = new URL(nodeExporter.url).host;
  }
  await writeFile(join(dir, 'prometheus.yml'), prometheusConfig(targets));
  const prometheus = await startLoopbackDaemon({
    tool: 'prometheus',
    args: (listen) => [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=${listen}`,
    ],
    readyPath: '/-/ready',
    timeoutMs: budgetMs('monitoring'),
  });
  started('Prometheus', prometheus);
  await scraping(drill, prometheus.url, spec.alert);
  drill.recorder.event(
    'monitoring',
    `Prometheus scrapes ${Object.keys(targets).join(' and ')} every ${EVALUATION_INTERVAL} with ${spec.alert} from ${spec.rules ?? 'the shipped rules'} loaded${rules.changes.length ? ` (${rules.changes.join('; ')})` : ''}`,
  );
  return {
    spec,
    rulesFile: spec.rules ?? relative(packageRoot(), file),
    url: prometheus.url,
    rules,
    startedAt: Date.now(),
  };
}

function dataSourceName(c: ConnectionInfo): string {
  const auth = encodeURIComponent(c.user) + (c.password ? `:${encodeURIComponent(c.password)}` : '');
  return `postgresql://${auth}@${c.host}:${c.port}/${encodeURIComponent(c.database)}?sslmode=disable`;
}

function prometheusConfig(targets: Record<string, string>): string {
  return stringify({
    global: {
      scrape_interval: EVALUATION_INTERVAL,
      scrape_timeout: EVALUATION_INTERVAL,
      evaluation_interval: EVALUATION_INTERVAL,
    },
    rule_files: ['rules.yml'],
    scrape_configs: Object.entries(targets).map(([job, target]) => ({
      job_name: job,
      static_configs: [{ targets: [target] }],
    })),
  });
}

/** Every target up, postgres_exporter connected to the primary (pg_up 1), and the alert loaded. */
async function scraping(drill: Drill, url: string, alert: string): Promise<void> {
  let last = 'no answer';
  try {
    await retryUntil(
      'Prometheus scraping its targets',
      async () => {
        const down = (await scrapeTargets(url)).filter((t) => t.health !== 'up');
        const pgUp = (await instantQuery(url, 'pg_up'))[0]?.value?.[1];
        const loaded = (await loadedAlertRules(url)).includes(alert);
        last = [
          ...down.map((t) => `${t.scrapeUrl} ${t.health}${t.lastError ? `: ${t.lastError}` : ''}`),
          ...(pgUp === '1' ? [] : [`postgres_exporter pg_up ${pgUp ?? 'not scraped yet'}`]),
          ...(loaded ? [] : [`alert ${alert} not loaded`]),
        ].join('; ');
        return last;
      },
      (problems) => problems === '',
      { timeoutMs: budgetMs('monitoring'), intervalMs: 200, signal: drill.signal },
    );
  } catch (err) {
    if (drill.signal.aborted) throw err;
    throw new DrillError(
      'error',
      `monitoring did not come up within ${budgetMs('monitoring') / 1000} s: ${last || errorMessage(err)}`,
    );
  }
}
