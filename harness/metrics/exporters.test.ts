import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgInstance } from '../environments/types.js';
import { prometheusToolsOrSkip } from '../testing/prometheus-tools.js';
import { standaloneEnvironment } from '../testing/standalone-env.js';
import { retryUntil } from '../util/retry.js';
import { withClient } from '../util/pg-client.js';
import { startLoopbackDaemon, type LoopbackDaemon } from './loopback-daemon.js';
import { loadRuleGroups, metricNamesIn } from './rules.js';

const ruleMetrics = (prefix: string) =>
  [...new Set(loadRuleGroups().flatMap((g) => g.rules.flatMap((r) => metricNamesIn(r.expr))))].filter((n) =>
    n.startsWith(prefix),
  );

/** name{labels} value lines of an exposition page, comments left out. */
const samplesOf = (page: string, name: string) =>
  page.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
const valueOf = (line: string | undefined) => Number(line?.split(' ').pop());

const tools = prometheusToolsOrSkip('the rules against the real exporters', ['postgresExporter', 'nodeExporter']);

/**
 * The rules are only as good as the metric names they read: every pg_* and node_* name in them must be published
 * by the real exporters (Debian's prometheus-postgres-exporter 0.11 against a real PostgreSQL, and
 * prometheus-node-exporter), with the labels the rules match on.
 */
describe.skipIf(Boolean(tools.skip))('the metrics the shipped rules read, from the real exporters', () => {
  let close: (() => Promise<void>) | undefined;
  let primary: PgInstance;
  let pgExporter: LoopbackDaemon | undefined;
  let nodeExporter: LoopbackDaemon | undefined;
  const scrape = async (d: LoopbackDaemon | undefined) => (await fetch(`${d!.url}/metrics`)).text();

  beforeAll(async () => {
    const standalone = await standaloneEnvironment('exporters');
    close = standalone.close;
    primary = await standalone.env.createInstance({ name: 'primary', initdb: true });
    // An archive that always fails, as when the object store is down from the start.
    await primary.configure({ archive_mode: 'on', archive_command: 'false' });
    await primary.start();
    const c = primary.connection('postgres');
    pgExporter = await startLoopbackDaemon({
      tool: 'postgresExporter',
      args: (listen) => [`--web.listen-address=${listen}`],
      readyPath: '/metrics',
      env: { DATA_SOURCE_NAME: `postgresql://${c.user}@${c.host}:${c.port}/${c.database}?sslmode=disable` },
    });
    standalone.onTeardown('stop postgres_exporter', () => pgExporter!.stop());
    nodeExporter = await startLoopbackDaemon({
      tool: 'nodeExporter',
      args: (listen) => [`--web.listen-address=${listen}`, '--collector.disable-defaults', '--collector.filesystem'],
      readyPath: '/metrics',
    });
    standalone.onTeardown('stop node_exporter', () => nodeExporter!.stop());
  });
  afterAll(() => close?.());

  it('postgres_exporter publishes every pg_* metric the rules read; the archive age is NaN until one succeeds', async () => {
    await withClient(primary.connection('postgres'), async (c) => {
      await c.query('CREATE TABLE t AS SELECT generate_series(1, 1000) AS n');
      await c.query('SELECT pg_switch_wal()');
      await retryUntil(
        'a failed archive attempt',
        async () => (await c.query<{ n: string }>('SELECT failed_count::text AS n FROM pg_stat_archiver')).rows[0]!.n,
        (n) => Number(n) > 0,
        { timeoutMs: 10_000, intervalMs: 100 },
      );
    });
    const page = await scrape(pgExporter);
    expect(valueOf(samplesOf(page, 'pg_up')[0])).toBe(1);
    for (const name of ruleMetrics('pg_')) {
      const lines = samplesOf(page, name);
      expect(lines.length, `${name} is not on the exporter's page`).toBeGreaterThan(0);
      for (const line of lines) expect(line, name).toMatch(/server="127\.0\.0\.1:\d+"/);
    }
    expect(samplesOf(page, 'pg_stat_archiver_last_archive_age')[0]).toMatch(/ NaN$/);
    expect(valueOf(samplesOf(page, 'pg_stat_archiver_failed_count')[0])).toBeGreaterThan(0);
    expect(valueOf(samplesOf(page, 'pg_stat_archiver_archived_count')[0])).toBe(0);
    expect(samplesOf(page, 'pg_stat_database_tup_inserted').some((l) => /datname="postgres"/.test(l))).toBe(true);

    // The archive comes back: the age becomes a number of seconds.
    await withClient(primary.connection('postgres'), async (c) => {
      await c.query(`ALTER SYSTEM SET archive_command = 'true'`);
      await c.query('SELECT pg_reload_conf()');
    });
    const after = await retryUntil(
      'a successful archive on the exporter',
      () => scrape(pgExporter),
      (p) => valueOf(samplesOf(p, 'pg_stat_archiver_archived_count')[0]) > 0,
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    const age = valueOf(samplesOf(after, 'pg_stat_archiver_last_archive_age')[0]);
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(60);
  });

  it('node_exporter publishes the filesystem metrics the rules read, with the mountpoint label', async () => {
    const page = await scrape(nodeExporter);
    for (const name of ruleMetrics('node_')) {
      const lines = samplesOf(page, name);
      expect(lines.length, `${name} is not on the exporter's page`).toBeGreaterThan(0);
      expect(
        lines.some((l) => /mountpoint="\/"/.test(l)),
        name,
      ).toBe(true);
    }
  });
});
