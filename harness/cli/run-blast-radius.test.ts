import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../engine/exit-codes.js';
import { startEmbeddedS3, type EmbeddedS3 } from '../environments/native/embedded-s3.js';
import { ObjectStore } from '../objectstore/client.js';
import { journalOf } from '../testing/journals.js';
import { inlineScenarios, runCli, tempDir, tempOutDir, workDir } from '../testing/run-cli.js';

/**
 * drdrill damages only what it created. On an external object store (a bucket others use), the options that
 * damage backups (tamperNewestBackup, removeWalSegment) act on objects this drill wrote, under its run
 * prefix; objects that look the same elsewhere in the bucket, even newer ones, are never touched.
 */
const scenario = (endpoint: string, extra = '') => `apiVersion: drdrill/v1
kind: Drill
metadata: { name: blast }
environment:
  postgres: { settings: { archive_timeout: "10s" } }
  objectStore:
    kind: s3
    endpoint: ${endpoint}
    bucket: shared
    prefix: nightly
    accessKeyId: { env: TEST_S3_KEY }
    secretAccessKey: { env: TEST_S3_SECRET }
dataset: { scale: 200 }
workload: { ledger: { rate: 50 }, before: 1s, after: 0s }
backup: [ { method: basebackup, archiveWal: true } ]
fault: { type: accidental-delete, sql: DELETE FROM customers, removeWalSegment: true, tamperNewestBackup: true }
recovery: { procedure: pitr, target: { type: before-fault } }
verify: [ { rowCounts: baseline }, { fingerprint: [customers, orders, order_items, payments] } ]
${extra}`;

// What others keep in the same bucket: drdrill's own layout at the bucket's root, another drill's run under the
// same prefix, and plain data. The catalogs say 2099, newer than anything this drill writes.
const catalog = (id: string) =>
  JSON.stringify({
    id,
    label: 'not this drill',
    startLsn: '0/2000028',
    stopLsn: '0/2000100',
    timeline: 1,
    startedAt: '2099-01-01T00:00:00.000Z',
    finishedAt: '2099-01-01T00:00:01.000Z',
    bytes: 5,
    objects: [{ key: `backups/${id}/base.tar`, bytes: 5, sha256: '0' }],
  });
const BYSTANDERS: Record<string, string> = {
  'backups/20990101T000000-0-aaaaaa/base.tar': 'tar-1',
  'backups/20990101T000000-0-aaaaaa/backup.json': catalog('20990101T000000-0-aaaaaa'),
  'wal/000000010000000000000003': 'wal-1',
  'nightly/drdrill/blast/blast-other-run/backups/20990101T000000-0-bbbbbb/base.tar': 'tar-2',
  'nightly/drdrill/blast/blast-other-run/backups/20990101T000000-0-bbbbbb/backup.json':
    catalog('20990101T000000-0-bbbbbb'),
  'nightly/drdrill/blast/blast-other-run/wal/000000010000000000000003': 'wal-2',
  'nightly/wal/000000010000000000000003': 'wal-3',
  'team-data/ledger.csv': 'id,amount\n1,100\n',
};

describe('the blast radius of archive damage on a shared bucket', () => {
  let s3: EmbeddedS3;
  let store: ObjectStore;

  beforeAll(async () => {
    const dir = tempDir('drdrill-s3-');
    s3 = await startEmbeddedS3({ dir: join(dir, 'data'), logFile: join(dir, 's3.log') });
    store = new ObjectStore({
      kind: 's3',
      endpoint: s3.endpoint,
      endpointForInstances: s3.endpoint,
      bucket: 'shared',
      prefix: '',
      region: 'us-east-1',
      forcePathStyle: true,
      accessKeyId: 'S3RVER',
      secretAccessKey: 's',
    });
    await store.ensureBucket();
    for (const [key, body] of Object.entries(BYSTANDERS)) await store.put(key, body);
  });
  afterAll(async () => {
    store?.destroy();
    await s3?.stop();
  });

  it('tampers with and removes only objects this drill wrote under its run prefix; the rest is byte-identical', async () => {
    const out = tempOutDir();
    const dir = inlineScenarios({ 'blast.yaml': scenario(s3.endpoint) });
    const r = await runCli(['run', join(dir, 'blast.yaml'), '--out', out, '--reporter', 'json'], {
      env: { TEST_S3_KEY: 'S3RVER', TEST_S3_SECRET: 's', DRDRILL_WORK_DIR: workDir() },
    });
    const j = journalOf(out, 'blast');
    // A damaged newest backup and a gap in the archive: the restore refuses, the drill fails, as designed.
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.failed);
    const prefix = j.environment!.objectStore.prefix;
    expect(prefix).toMatch(/^nightly\/drdrill\/blast\/blast-[a-z0-9]+-[0-9a-f]{6}\/$/);

    // The damage happened, inside the run prefix.
    const fault = j.measurements.fault as { removedWalSegment: string; tamperedBackupId: string };
    expect(await store.head(`${prefix}wal/${fault.removedWalSegment}`)).toBeUndefined();
    const ours = j.backups.find((b) => b.id === fault.tamperedBackupId)!;
    const tampered = await store.getBuffer(`${prefix}${ours.objects[0]!.key}`);
    expect(sha256(tampered)).not.toBe(ours.objects[0]!.sha256);

    // Nothing else changed: every bystander is there, byte for byte, and no key outside the prefix appeared.
    for (const [key, body] of Object.entries(BYSTANDERS))
      expect((await store.getBuffer(key)).toString(), key).toBe(body);
    const outside = (await store.list('')).map((o) => o.key).filter((k) => !k.startsWith(prefix));
    expect(outside.sort()).toEqual(Object.keys(BYSTANDERS).sort());
  });

  it('refuses at validation what could reach beyond the drill: a prefix that climbs, damage to backups drdrill did not write', async () => {
    const dir = inlineScenarios({
      'climb.yaml': scenario(s3.endpoint).replace('prefix: nightly', 'prefix: "nightly/../other-team"'),
      'pgbackrest.yaml': scenario(s3.endpoint).replace(
        'backup: [ { method: basebackup, archiveWal: true } ]',
        'backup: [ { method: pgbackrest } ]',
      ),
    });
    const r = await runCli(['validate', join(dir, 'climb.yaml'), join(dir, 'pgbackrest.yaml')]);
    expect(r.code).toBe(EXIT_CODES['invalid-config']);
    expect(r.stderr.trim().split('\n')).toEqual([
      `${join(dir, 'climb.yaml')}:10:13: environment.objectStore.prefix must be empty (the bucket root) or a key prefix of plain segments such as "team/backups" (no "..", ".", "//", leading "/" or control characters)`,
      expect.stringMatching(/pgbackrest\.yaml:\d+:\d+: backup\[0\] pgBackRest needs an https:\/\/ S3 endpoint$/),
      expect.stringMatching(
        /pgbackrest\.yaml:\d+:\d+: fault removeWalSegment removes a segment of the WAL archive that drdrill writes: it needs backup: \[\{ method: basebackup, archiveWal: true \}\]$/,
      ),
      expect.stringMatching(
        /pgbackrest\.yaml:\d+:\d+: fault tamperNewestBackup changes a base backup that drdrill took: it needs backup: \[\{ method: basebackup \}\]$/,
      ),
      expect.stringMatching(/pgbackrest\.yaml:\d+:\d+: recovery needs a base backup with WAL archiving/),
    ]);
  });
});

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
