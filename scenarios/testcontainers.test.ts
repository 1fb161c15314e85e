import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allTests } from '../harness/testing/lanes.js';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../harness/engine/exit-codes.js';
import type { Journal } from '../harness/engine/journal.js';
import { journalOf } from '../harness/testing/journals.js';
import { parseAckFile } from '../harness/workload/ack-files.js';
import { containerLane, leftoversOf, psqlInContainer, readKeptFile } from '../harness/testing/container-lane.js';
import { missingAcks, startKeptInstance } from '../harness/testing/kept-instance.js';
import { runCli, tempOutDir, workDir } from '../harness/testing/run-cli.js';

const lane = await containerLane();
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));

async function runOn(env: 'native' | 'testcontainers', file: string, keep = false) {
  const out = tempOutDir();
  const work = workDir();
  const name = /name: (\S+)/.exec(readFileSync(file, 'utf8'))![1]!;
  const r = await runCli(
    ['run', file, '--env', env, '--out', out, '--reporter', 'html,json,md,junit', ...(keep ? ['--keep'] : [])],
    { env: { DRDRILL_WORK_DIR: work } },
  );
  return { r, j: journalOf(out, name), acks: join(out, name, 'ledger-acks.csv'), work, out };
}

describe.skipIf(Boolean(lane.skip))(
  'the testcontainers lane: the same scenario files on PostgreSQL and MinIO containers',
  () => {
    const docker = lane.docker!;

    it('accidental-delete: both environments give the same verdict, each RPO matches an independent count of its database, no secret is written', async () => {
      const [native, containers] = await Promise.all([
        runOn('native', 'scenarios/accidental-delete.yaml', true),
        runOn('testcontainers', 'scenarios/accidental-delete.yaml', true),
      ]);
      expect(native.r.code, native.r.stdout + native.r.stderr).toBe(EXIT_CODES.passed);
      expect(containers.r.code, containers.r.stdout + containers.r.stderr).toBe(EXIT_CODES.passed);
      expect(containers.j.verdict).toBe(native.j.verdict);
      expect(containers.j.environment!.kind).toBe('testcontainers');
      expect(containers.j.environment!.tools.engine).toMatch(/^(Podman|Docker) /);
      expect(containers.j.measurements.rto!.phases!.map((p) => p.name)).toEqual(
        native.j.measurements.rto!.phases!.map((p) => p.name),
      );
      for (const { j } of [native, containers]) {
        expect(j.measurements.rpo!.lostBeforeTarget).toBe(0);
        expect(j.measurements.rto!.dataRestoredSeconds).toBeLessThan(j.measurements.rto!.verifiedSeconds!);
      }

      const kept = await startKeptInstance(native.work, 'restored');
      try {
        expect(native.j.measurements.rpo!.lostAckedWrites).toBe((await missingAcks(kept.client, native.acks)).length);
      } finally {
        await kept.stop();
      }
      const runId = containers.j.runId!;
      const present = new Set(
        (await psqlInContainer(docker, `drdrill-${runId}-restored`, 'SELECT seq FROM drdrill_ledger'))
          .split('\n')
          .filter(Boolean)
          .map(Number),
      );
      const lost = parseAckFile(readFileSync(containers.acks, 'utf8')).filter((a) => !present.has(a.seq));
      expect(containers.j.measurements.rpo!.lostAckedWrites).toBe(lost.length);

      // The per-drill secrets (MinIO's root password, PostgreSQL's password) reach no output file.
      const minio = await docker.getContainer(`drdrill-${runId}-objectstore`).inspect();
      const minioSecret = minio.Config.Env.find((e) => e.startsWith('MINIO_ROOT_PASSWORD='))!.split('=')[1]!;
      const pgPassword = (await readKeptFile(docker, `drdrill-${runId}-primary`, '/drdrill/private/pwfile')).trim();
      expect(minioSecret.length).toBeGreaterThan(16);
      expect(pgPassword.length).toBeGreaterThan(16);
      const written = filesUnder(containers.out).concat(filesUnder(containers.work));
      expect(written.map((f) => f.split('/').pop())).toEqual(
        expect.arrayContaining(['journal.json', 'report.html', 'report.md', 'junit.xml', 'drill.log', 'postgres.log']),
      );
      for (const file of written) {
        const text = readFileSync(file, 'latin1');
        expect(text.includes(minioSecret) || text.includes(pgPassword), file).toBe(false);
      }

      // --keep left the containers; gc finds them by label once their drdrill process is gone.
      expect(await leftoversOf(docker, runId)).toContain(`container drdrill-${runId}-restored`);
      const gc = await runCli(['gc', '--run', runId]);
      expect(gc.code, gc.stderr).toBe(0);
      expect(gc.stdout).toMatch(new RegExp(`removed  container drdrill-${runId}-primary`));
      expect(await leftoversOf(docker, runId)).toEqual([]);
    });

    it('cluster-loss: the killed container and its disk are gone, the rebuilt instance passes, nothing is left behind', async () => {
      const { r, j } = await runOn('testcontainers', 'scenarios/cluster-loss.yaml');
      expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);
      expect(j.checks.find((c) => c.name === 'the primary is unreachable and its data directory is gone')!.status).toBe(
        'passed',
      );
      expect(j.measurements.rpo!.lostBeforeTarget).toBe(0);
      expect(j.measurements.ledger!.acked).toBeGreaterThan(100);
      expect(await leftoversOf(docker, j.runId!)).toEqual([]);
    });

    it.for([
      // ENOSPC from a size-limited tmpfs inside the container (pg_wal is on it too, so a WAL PANIC is as real an
      // outcome as SQLSTATE 53100), then grown by remount.
      [
        'disk-full.yaml',
        (j: Journal) =>
          expect(String(j.checks.find((c) => c.name === 'data volume full detected')?.evidence.actual)).toMatch(
            /No space left on device|could not extend|PANIC/,
          ),
      ],
      // The standby streams from "primary" by network alias; the primary's whole container is killed.
      [
        'replica-failover.yaml',
        (j: Journal) =>
          expect((j.measurements.fault as { description: string }).description).toMatch(
            /^container drdrill-\S+-primary killed/,
          ),
      ],
      // pgBackRest inside the containers (the local image copies the host's), to MinIO over TLS with a
      // certificate naming its alias.
      [
        'accidental-delete-pgbackrest.yaml',
        (j: Journal) => expect(j.environment!.objectStore.endpoint).toMatch(/^https:/),
      ],
    ] as const)('%s passes on containers too', async ([file, check], ctx) => {
      if (file.includes('pgbackrest') && !existsSync('/usr/bin/pgbackrest'))
        ctx.skip('no /usr/bin/pgbackrest to copy into the local image');
      // The long lane (npm run test:all): pgBackRest drills already run natively in npm test.
      if (file.includes('pgbackrest') && !allTests) ctx.skip('long lane: npm run test:all');
      const { r, j } = await runOn('testcontainers', `scenarios/${file}`);
      expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);
      check(j);
      expect(await leftoversOf(docker, j.runId!)).toEqual([]);
    });
  },
);
