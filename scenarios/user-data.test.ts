import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../harness/engine/exit-codes.js';
import { runScenario } from '../harness/testing/drill-run.js';
import { startKeptInstance } from '../harness/testing/kept-instance.js';
import { APP_DATABASE, BUCKET, SOURCE_ENV, startProduction, writeRequests } from '../harness/testing/production.js';
import { findPostgresBinDir } from '../harness/environments/native/postgres-binaries.js';
import { runProcess } from '../harness/util/process.js';
import { inlineScenarios, runCli } from '../harness/testing/run-cli.js';
import { packageRoot } from '../harness/util/paths.js';
import { parseAckFile, parseChangeFile } from '../harness/workload/ack-files.js';

const fixtures = join(packageRoot(), 'fixtures', 'datasets', 'events');

/** Acknowledged writes (ack file) whose ledger row a kept database lacks, by the write's kind. */
async function lostByKind(client: pg.Client, dir: string): Promise<Record<string, number>> {
  const present = new Set(
    (await client.query<{ seq: string }>('SELECT seq FROM drdrill_ledger')).rows.map((r) => Number(r.seq)),
  );
  const out: Record<string, number> = {};
  for (const a of parseAckFile(readFileSync(join(dir, 'ledger-acks.csv'), 'utf8')))
    if (!present.has(a.seq)) out[a.kind] = (out[a.kind] ?? 0) + 1;
  return out;
}

describe("drills on the user's own schema, data and writes", () => {
  it('pgbench dataset, its own writes, an UPDATE without WHERE: PITR brings the accounts back; RPO per table is exact', async () => {
    const dir = inlineScenarios({
      'pgbench.yaml': `apiVersion: drdrill/v1
kind: Drill
metadata: { name: pgbench-update }
objectives: { rpo.lostBeforeTarget: "= 0 rows" }
dataset: { pgbench: { scale: 1 } }
workload:
  ledger: { rate: 40 }
  before: 3s
  after: 1s
  statements:
    - sql: "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, $seq, $seq, clock_timestamp()) RETURNING aid, delta"
      table: pgbench_history
      key: aid
      witness: delta
    - sql: "UPDATE pgbench_tellers SET tbalance = tbalance + 1 WHERE tid = 1 + $seq % 10 RETURNING tid, tbalance"
      table: pgbench_tellers
      key: tid
      sets: tbalance
backup: [ { method: basebackup } ]
fault: { type: accidental-delete, sql: "UPDATE pgbench_accounts SET abalance = abalance - 100" }
recovery: { procedure: pitr, target: { type: before-fault } }
verify:
  - { fingerprint: [pgbench_accounts] }
  - { rowCounts: baseline }
  - { sql: "SELECT count(*) FROM pgbench_accounts WHERE abalance <> 0", expect: "= 0" }
  - { ledger: until-target }
`,
    });
    const { r, j, dir: out, work } = await runScenario(join(dir, 'pgbench.yaml'), 'pgbench-update', { keep: true });
    expect(r.code, `${j.reason}\n${r.stdout}`).toBe(EXIT_CODES.passed);
    expect(j.measurements.fault!.damaged).toEqual(['pgbench_accounts']);
    const detected = j.checks.find((c) => c.name === 'data loss detected in pgbench_accounts')!;
    expect(JSON.stringify(detected.evidence.actual)).toContain('fingerprint differs');
    const tables = j.measurements.rpo!.tables!;
    expect(Object.keys(tables).sort()).toEqual(['drdrill_ledger', 'pgbench_history', 'pgbench_tellers']);
    const kept = await startKeptInstance(work, 'restored');
    try {
      const lost = await lostByKind(kept.client, out);
      expect(tables.pgbench_history!.lost).toBe(lost['insert:pgbench_history'] ?? 0);
      // Every lost write lost its ledger row with it (one transaction); an update whose row a later acknowledged
      // write set again is lost only in the ledger, as for the shop's status updates.
      expect(j.measurements.rpo!.lostAckedWrites).toBe(Object.values(lost).reduce((a, b) => a + b, 0));
      expect(tables.drdrill_ledger!.lost).toBe(j.measurements.rpo!.lostAckedWrites);
      const acks = parseAckFile(readFileSync(join(out, 'ledger-acks.csv'), 'utf8'));
      expect(tables.pgbench_tellers!.acked).toBe(acks.filter((a) => a.kind === 'update:pgbench_tellers').length);
      expect(tables.pgbench_tellers!.lost).toBeLessThanOrEqual(lost['update:pgbench_tellers'] ?? 0);
      // Independently of the ledger: acknowledged history rows the kept database does not hold.
      const inserts = [...parseChangeFile(readFileSync(join(out, 'workload-changes.csv'), 'utf8')).values()]
        .flat()
        .filter((c) => c.table === 'pgbench_history');
      const held = await kept.client.query<{ aid: string; delta: string }>(
        'SELECT aid::text, delta::text FROM pgbench_history',
      );
      const present = new Set(held.rows.map((h) => `${h.aid}:${h.delta}`));
      expect(inserts.filter((c) => !present.has(`${c.key}:${c.witness?.value}`)).length).toBe(
        tables.pgbench_history!.lost,
      );
      expect(tables.pgbench_history!.acked).toBe(inserts.length);
      expect(tables.pgbench_history!.acked).toBeGreaterThan(10);
      const damaged = await kept.client.query<{ n: string }>(
        'SELECT count(*)::text AS n FROM pgbench_accounts WHERE abalance <> 0',
      );
      expect(damaged.rows[0]!.n).toBe('0');
    } finally {
      await kept.stop();
    }
  });

  it('a dataset from SQL files, their own writes, a sql fault: RPO per table is exact, keyless tables stay correct', async () => {
    const dir = inlineScenarios({
      'events.yaml': `apiVersion: drdrill/v1
kind: Drill
metadata: { name: events-sql }
dataset: { sql: [${join(fixtures, 'schema.sql')}, ${join(fixtures, 'data.sql')}] }
workload:
  ledger: { rate: 40 }
  before: 3s
  after: 1s
  statements:
    - sql: "INSERT INTO events (user_id, kind, payload) VALUES (1 + $seq % 2000, 'drill', 'drill-' || $seq) RETURNING id, payload"
      table: events
      key: id
      witness: payload
    - sql: "INSERT INTO users (email) VALUES ('drill-' || $seq || '@example.com') RETURNING id, email"
      table: users
      key: id
      witness: email
backup: [ { method: basebackup } ]
fault:
  type: sql
  statements: ["DELETE FROM events WHERE kind = 'signup'", "UPDATE users SET email = upper(email)"]
  damages: [events, users]
recovery: { procedure: pitr, target: { type: before-fault } }
verify:
  - { rowCounts: baseline }
  - { fingerprint: [events, users] }
  - { sql: "SELECT count(*) FROM events WHERE kind = 'signup'", expect: "= 2000" }
  - { ledger: until-target }
`,
    });
    const { r, j, dir: out, work } = await runScenario(join(dir, 'events.yaml'), 'events-sql', { keep: true });
    expect(r.code, `${j.reason}\n${r.stdout}`).toBe(EXIT_CODES.passed);
    expect((j.measurements.dataset as { rows: Record<string, number> }).rows).toEqual({ events: 6000, users: 2000 });
    expect(j.checks.find((c) => c.name === 'row count of events')!.status).toBe('passed');
    const tables = j.measurements.rpo!.tables!;
    const kept = await startKeptInstance(work, 'restored');
    try {
      const changes = [...parseChangeFile(readFileSync(join(out, 'workload-changes.csv'), 'utf8')).values()].flat();
      for (const [table, witness] of [
        ['events', 'payload'],
        ['users', 'email'],
      ] as const) {
        const acked = changes.filter((c) => c.table === table);
        const held = await kept.client.query<{ w: string }>(`SELECT ${witness}::text AS w FROM ${table}`);
        const present = new Set(held.rows.map((h) => h.w));
        expect(acked.length).toBeGreaterThan(10);
        expect(tables[table]!.acked).toBe(acked.length);
        expect(tables[table]!.lost).toBe(acked.filter((c) => !present.has(c.witness!.value)).length);
      }
      const signups = await kept.client.query<{ n: string }>(
        "SELECT count(*)::text AS n FROM events WHERE kind = 'signup'",
      );
      expect(signups.rows[0]!.n).toBe('2000');
    } finally {
      await kept.stop();
    }
  });

  it("a dataset from last night's dump in the user's bucket: checked, loaded, the bucket only read", async () => {
    const p = await startProduction('dataset-dump');
    try {
      for (const f of ['schema.sql', 'data.sql'])
        await runProcess(join(findPostgresBinDir(), 'psql'), [
          '-X',
          '-v',
          'ON_ERROR_STOP=1',
          '-h',
          '127.0.0.1',
          '-p',
          String(p.db.port),
          '-U',
          'postgres',
          '-d',
          APP_DATABASE,
          '-f',
          join(fixtures, f),
        ]);
      const file = join(p.dir, 'app.dump');
      await runProcess(join(findPostgresBinDir(), 'pg_dump'), [
        '-Fc',
        '-h',
        '127.0.0.1',
        '-p',
        String(p.db.port),
        '-U',
        'postgres',
        '-f',
        file,
        APP_DATABASE,
      ]);
      await p.aws(['s3', 'cp', file, `s3://${BUCKET}/nightly/app-20261125-020000.dump`]);
      const dir = inlineScenarios({
        'from-dump.yaml': `apiVersion: drdrill/v1
kind: Drill
metadata: { name: from-dump }
dataset:
  dump:
    source:
      objectStore: { kind: s3, endpoint: ${p.s3.endpoint}, bucket: ${BUCKET}, prefix: nightly/, accessKeyId: { env: SRC_KEY }, secretAccessKey: { env: SRC_SECRET } }
workload:
  ledger: { rate: 20 }
  before: 2s
  after: 1s
  statements:
    - { sql: "INSERT INTO events (user_id, kind, payload) VALUES (1, 'drill', 'drill-' || $seq) RETURNING id, payload", table: events, key: id, witness: payload }
verify:
  - { rowCounts: baseline }
  - { sql: "SELECT count(*) FROM events WHERE kind = 'signup'", expect: "= 2000" }
  - { ledger: complete }
`,
      });
      const from = p.s3.requests().length;
      const { r, j } = await runScenario(join(dir, 'from-dump.yaml'), 'from-dump', { env: SOURCE_ENV });
      expect(r.code, j.reason).toBe(EXIT_CODES.passed);
      expect(j.measurements.dataset).toMatchObject({
        source: 'dump',
        description: `the dump s3://${BUCKET}/nightly/app-20261125-020000.dump`,
        rows: { events: 6000, users: 2000 },
      });
      expect(writeRequests(p.requestsSince(from))).toEqual([]);
      expect(p.requestsSince(from).length).toBeGreaterThan(0);
    } finally {
      await p.close();
    }
  });

  it('an UPDATE fault verified by row counts alone is rejected before anything runs', async () => {
    const dir = inlineScenarios({
      'bad.yaml': `apiVersion: drdrill/v1
kind: Drill
metadata: { name: bad }
dataset: { pgbench: { scale: 1 } }
backup: [ { method: basebackup } ]
fault: { type: accidental-delete, sql: "UPDATE pgbench_accounts SET abalance = 0" }
recovery: { procedure: pitr }
verify: [ { rowCounts: baseline } ]
`,
    });
    const r = await runCli(['validate', join(dir, 'bad.yaml')]);
    expect(r.code).toBe(EXIT_CODES['invalid-config']);
    expect(r.stderr).toContain(
      'verify must check table pgbench_accounts, which the fault damages: add { fingerprint: [pgbench_accounts] } (row counts do not show changed rows) to verify',
    );
  });
});
