import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { findAlert, loadRuleGroups, RULES_FILE } from '../metrics/rules.js';
import { findTool } from '../metrics/tools.js';
import { unarchivedAcks } from '../measurement/rpo-exposure.js';
import { parseScenario } from '../scenario/load.js';
import { checkSemantics } from '../scenario/semantic-checks.js';
import { runCli, tempDir, tempOutDir } from '../testing/run-cli.js';
import { EXIT_CODES } from '../engine/exit-codes.js';
import type { Ack } from '../workload/writes.js';
import { drillRules, pointAtMountpoints, promDuration } from './drill-rules.js';
import { detectSpec } from './spec.js';

const spec = (fields: Record<string, unknown>) => detectSpec.parse(fields);
const VOLUME = '/tmp/drdrill-work/drdrill-x/instances/primary/data';

describe("the drill's copy of the rules", () => {
  const shipped = loadRuleGroups();

  it('points DatabaseDiskFull at the drill volume and shortens its for to a quarter of within, saying so', () => {
    const copy = drillRules(shipped, spec({ alert: 'DatabaseDiskFull' }), [VOLUME]);
    expect(copy.rule.expr).toContain(`node_filesystem_avail_bytes{mountpoint="${VOLUME}"}`);
    expect(copy.rule.expr).toContain(`node_filesystem_size_bytes{mountpoint="${VOLUME}"}`);
    expect(copy.rule.expr).not.toContain('/var/lib/postgresql');
    expect([copy.ruleForSeconds, copy.forSeconds, copy.rule.for]).toEqual([3600, 30, '30s']);
    expect(copy.changes).toEqual([
      `node_filesystem_* selectors: mountpoint ="${VOLUME}" (the drill's volume)`,
      'for: 1h → 30s (shortened for the drill)',
    ]);
    expect(copy.groups.every((g) => g.interval === '1s')).toBe(true);
    // The rules as loaded are left alone.
    expect(findAlert(shipped, 'DatabaseDiskFull').rule.for).toBe('1h');
  });

  it("applies the scenario's for and text replacements to the alert only", () => {
    const copy = drillRules(
      shipped,
      spec({ alert: 'WALArchivingLag', within: '90s', for: '10s', replace: { '> 600': '> 15' } }),
      [],
    );
    expect(copy.rule.expr).toContain('pg_stat_archiver_last_archive_age > 15');
    expect(copy.rule.for).toBe('10s');
    expect(copy.changes).toEqual([
      'expression: "> 600" replaced with "> 15"',
      'for: 10m → 10s (shortened for the drill)',
    ]);
    expect(findAlert(copy.groups, 'DatabaseDiskFull').rule).toEqual(findAlert(shipped, 'DatabaseDiskFull').rule);
  });

  it('rewrites node_filesystem selectors with or without braces, keeping other matchers and quoted text', () => {
    expect(pointAtMountpoints('node_filesystem_free_bytes / node_filesystem_size_bytes', ['/d'])).toBe(
      'node_filesystem_free_bytes{mountpoint="/d"} / node_filesystem_size_bytes{mountpoint="/d"}',
    );
    expect(
      pointAtMountpoints('node_filesystem_avail_bytes{fstype!="tmpfs", mountpoint=~"/x,{y}"} > 0', ['/d', '/w.1']),
    ).toBe('node_filesystem_avail_bytes{fstype!="tmpfs", mountpoint=~"/d|/w\\\\.1"} > 0');
    expect(pointAtMountpoints('label_replace(up, "a", "node_filesystem_x", "", "")', ['/d'])).toBe(
      'label_replace(up, "a", "node_filesystem_x", "", "")',
    );
    expect([promDuration(15), promDuration(7.5), promDuration(600), promDuration(3600)]).toEqual([
      '15s',
      '7500ms',
      '10m',
      '1h',
    ]);
  });

  it.skipIf(!findTool('promtool'))('is a rules file promtool accepts', () => {
    const dir = tempDir('drdrill-rules-');
    for (const [name, s, volumes] of [
      ['disk', spec({ alert: 'DatabaseDiskFull' }), [VOLUME, `${VOLUME}-wal`]],
      ['archive', spec({ alert: 'WALArchivingLag', for: '10s', replace: { '> 600': '> 15' } }), []],
    ] as const) {
      const file = join(dir, `${name}.yml`);
      writeFileSync(file, stringify({ groups: drillRules(shipped, s, [...volumes]).groups }));
      const r = spawnSync(findTool('promtool')!, ['check', 'rules', file], { encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).toBe(0);
    }
  });
});

const scenario = (
  extra: string,
  fault = 'fault: { type: disk-full }\nrecovery: { procedure: grow-volume }',
) => `apiVersion: drdrill/v1
kind: Drill
metadata: { name: x }
${fault}
verify: [ { rowCounts: baseline }, { ledger: complete } ]
${extra}
`;
const problems = (source: string, file = 'scenarios/x.yaml') => {
  try {
    checkSemantics(parseScenario(source, file));
    return [];
  } catch (err) {
    return (err as Error).message.split('\n');
  }
};

describe('detect in a scenario', () => {
  it('implies the objective detection.firingSeconds <= within, unless the scenario sets its own', () => {
    const loaded = parseScenario(scenario('detect: { alert: DatabaseDiskFull }'), 'x.yaml');
    expect(loaded.objectives.at(-1)).toMatchObject({
      metric: 'detection.firingSeconds',
      comparator: '<=',
      value: 120,
      source: '<= 2m',
    });
    const own = parseScenario(
      scenario('detect: { alert: DatabaseDiskFull }\nobjectives: { detection.firingSeconds: "< 40s" }'),
      'x.yaml',
    );
    expect(own.objectives.map((o) => o.source)).toEqual(['< 40s']);
  });

  it('is checked before anything runs, each problem at its position', () => {
    expect(problems(scenario('detect: { alert: DatabaseDiskFul }'))).toEqual([
      'scenarios/x.yaml:7:18: detect.alert no alert DatabaseDiskFul in the shipped rules; expected one of DRDrillFailed, DRDrillNotRunRecently, BackupNotGrowing, WALArchivingLag, DatabaseDiskFull',
    ]);
    expect(problems(scenario('detect: { alert: DRDrillFailed }'))[0]).toMatch(
      /^scenarios\/x\.yaml:7:18: detect\.alert DRDrillFailed reads drdrill_verdict, which no exporter publishes during a drill/,
    );
    expect(problems(scenario('detect: { alert: DatabaseDiskFull, within: 30s, for: 30s }'))).toEqual([
      'scenarios/x.yaml:7:54: detect.for (30s) must be shorter than detect.within (30s), or the alert can never fire in time',
    ]);
    expect(problems(scenario('detect: { alert: DatabaseDiskFull, within: 20m }'))).toEqual([
      "scenarios/x.yaml:7:44: detect.within (20m) must be shorter than the drill's deadline (10m)",
    ]);
    expect(problems(scenario('detect: { alert: WALArchivingLag, replace: { "> 6000": "> 1" } }'))[0]).toMatch(
      /detect\.replace\["> 6000"\] does not occur in the expression of WALArchivingLag$/,
    );
    expect(
      problems(
        scenario(
          'detect: { alert: DatabaseDiskFull }',
          'fault: { type: cluster-loss }\nbackup: [ { method: basebackup } ]\nrecovery: { procedure: rebuild-from-object-store }',
        ),
      )[0],
    ).toMatch(
      /detect\.alert DatabaseDiskFull reads node_filesystem_\* metrics, but this drill has no size-limited volume/,
    );
    expect(problems(scenario('detect: { alert: DatabaseDiskFull, rules: nowhere.yml }'))[0]).toMatch(
      /^scenarios\/x\.yaml:7:43: detect\.rules \/.*\/scenarios\/nowhere\.yml does not exist$/,
    );
  });

  it("reads the scenario's own rules file, relative to the scenario", () => {
    const dir = tempDir('drdrill-detect-');
    writeFileSync(
      join(dir, 'mine.yml'),
      stringify({ groups: [{ name: 'm', rules: [{ alert: 'Mine', expr: 'pg_up == 0' }] }] }),
    );
    expect(problems(scenario('detect: { alert: Mine, rules: mine.yml }'), join(dir, 'x.yaml'))).toEqual([]);
    expect(problems(scenario('detect: { alert: DatabaseDiskFull, rules: mine.yml }'), join(dir, 'x.yaml'))[0]).toMatch(
      /detect\.alert no alert DatabaseDiskFull in mine\.yml; expected one of Mine$/,
    );
    expect(RULES_FILE).toMatch(/monitoring\/rules\/drdrill\.rules\.yml$/);
  });
});

describe('detect without Prometheus installed', () => {
  it('stops before anything starts, saying which Debian packages to install', async () => {
    const out = join(tempOutDir(), 'never');
    const r = await runCli(['run', 'scenarios/disk-full-detect.yaml', '--out', out], {
      env: { PATH: tempDir('drdrill-empty-path-') },
    });
    expect(r.code, r.stderr).toBe(EXIT_CODES['missing-prerequisite']);
    expect(r.stderr).toContain(
      'disk-full-detect: detect: prometheus not found; install it with: apt-get install -y prometheus; prometheus-postgres-exporter not found; install it with: apt-get install -y prometheus-postgres-exporter; prometheus-node-exporter not found',
    );
  });
});

describe('archive-failure in a scenario', () => {
  const archive = (verify: string, store = 'embedded') => `apiVersion: drdrill/v1
kind: Drill
metadata: { name: x }
environment: { objectStore: { kind: ${store}${store === 's3' ? ', bucket: bkt, accessKeyId: { env: A }, secretAccessKey: { env: B }' : ''} } }
backup: [ { method: basebackup } ]
fault: { type: archive-failure }
recovery: { procedure: restore-archive-access }
verify: ${verify}
`;

  it('must prove the archive back with a restore from it', () => {
    expect(problems(archive('[ { rowCounts: baseline }, { ledger: complete } ]'))).toEqual([
      'scenarios/x.yaml:8:9: verify must check the WAL archive (archive:wal), which the fault damages: add { archive: complete } to verify',
    ]);
    expect(problems(archive('[ { archive: complete } ]'))).toEqual([]);
  });

  it('stops only an object store drdrill runs', () => {
    expect(problems(archive('[ { archive: complete } ]', 's3'))[0]).toMatch(
      /^scenarios\/x\.yaml:\d+:\d+: fault stops the object store drdrill runs; an external one \(objectStore.kind "s3"\)/,
    );
  });
});

describe('RPO exposure', () => {
  const ack = (seq: number, lsn: string) => ({ seq, lsn }) as Ack;
  it('counts the acknowledged writes whose WAL segment is after the last one archived', () => {
    const acks = [ack(1, '0/2FFFFF8'), ack(2, '0/3000060'), ack(3, '0/4000000'), ack(4, '0/4A00000')];
    expect(unarchivedAcks(acks, null).map((a) => a.seq)).toEqual([1, 2, 3, 4]);
    expect(unarchivedAcks(acks, '000000010000000000000002').map((a) => a.seq)).toEqual([2, 3, 4]);
    expect(unarchivedAcks(acks, '000000010000000000000003.00000028.backup').map((a) => a.seq)).toEqual([3, 4]);
    expect(unarchivedAcks(acks, '000000010000000000000004').map((a) => a.seq)).toEqual([]);
  });
});
