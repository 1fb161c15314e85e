import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../harness/engine/exit-codes.js';
import { startEmbeddedS3, type EmbeddedS3 } from '../harness/environments/native/embedded-s3.js';
import { ObjectStore } from '../harness/objectstore/client.js';
import { journalOf, variant } from '../harness/testing/journals.js';
import { inlineScenarios, runCli, tempDir, tempOutDir, workDir } from '../harness/testing/run-cli.js';
import { sleep } from '../harness/util/retry.js';

/**
 * A drill passes only when the data its fault damaged is proven back. Scenarios that can never prove it are
 * rejected before anything starts; a run whose checks missed damaged data ends `error`, never `passed`.
 */
describe('what was damaged must be verified', () => {
  it('PITR to the end of the archive with only amcheck is rejected, naming customers and the check to add', async () => {
    const dir = inlineScenarios({
      'replayed.yaml': variant('accidental-delete.yaml', [
        [/target: \{ type: before-fault \}/, 'target: { type: end-of-archive }'],
        [/verify:\n[\s\S]*$/, 'verify:\n  - amcheck: true\n'],
      ]),
    });
    for (const args of [['validate'], ['run', '--out', tempOutDir()]]) {
      const r = await runCli([args[0]!, join(dir, 'replayed.yaml'), ...args.slice(1)]);
      expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES['invalid-config']);
      expect(r.stderr).toMatch(
        /replayed\.yaml:\d+:\d+: verify must check table customers, which the fault damages: add \{ rowCounts: baseline \} or \{ fingerprint: \[customers\] \}/,
      );
    }
  });

  it('disk-full with verify: [] is rejected, naming the volume and the ledger and row-count checks to add', async () => {
    const dir = inlineScenarios({
      'blind.yaml': variant('disk-full.yaml', [[/verify:\n[\s\S]*$/, 'verify: []\n']]),
    });
    const r = await runCli(['validate', join(dir, 'blind.yaml')]);
    expect(r.code).toBe(EXIT_CODES['invalid-config']);
    expect(r.stderr).toMatch(
      /blind\.yaml:\d+:\d+: verify must check the data volume \(volume:data\), which the fault damages: add \{ ledger: complete \}/,
    );
  });

  it('a cascade reaches tables no check looked at: the run ends error, naming them', async () => {
    const dir = inlineScenarios({
      'cascade.yaml': variant('accidental-delete-undelete.yaml', [
        [/name: accidental-delete-undelete/, 'name: cascade'],
        [/scale: \d+/, 'scale: 300'],
        [/before: \d+s/, 'before: 2s'],
        [/verify:\n[\s\S]*$/, 'verify:\n  - fingerprint: [customers]\n  - ledger: complete\n'],
      ]),
    });
    const out = tempOutDir();
    const r = await runCli(['run', join(dir, 'cascade.yaml'), '--out', out, '--reporter', 'json'], {
      env: { DRDRILL_WORK_DIR: workDir() },
    });
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.error);
    const j = journalOf(out, 'cascade');
    expect(j.verdict).toBe('error');
    expect((j.measurements.fault as { damaged: string[] }).damaged.sort()).toEqual([
      'customers',
      'order_items',
      'orders',
      'payments',
    ]);
    expect(j.reason).toContain(
      'nothing verified that table orders came back: add { rowCounts: baseline } or { fingerprint: [orders] }',
    );
    expect(j.reason).not.toContain('table customers');
  });
});

describe("a backup damaged behind the drill's back", () => {
  let s3: EmbeddedS3;
  let store: ObjectStore;

  beforeAll(async () => {
    const dir = tempDir('drdrill-s3-');
    s3 = await startEmbeddedS3({ dir: join(dir, 'data'), logFile: join(dir, 's3.log') });
    store = new ObjectStore({
      kind: 's3',
      endpoint: s3.endpoint,
      endpointForInstances: s3.endpoint,
      bucket: 'nightly',
      prefix: '',
      region: 'us-east-1',
      forcePathStyle: true,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'x',
    });
    await store.ensureBucket();
  });
  afterAll(async () => {
    store?.destroy();
    await s3?.stop();
  });

  it('fails the drill, naming the backup, even though the older backup restores fine', async () => {
    const dir = inlineScenarios({
      'behind.yaml': variant('accidental-delete.yaml', [
        [/name: accidental-delete/, 'name: behind'],
        [/scale: \d+/, 'scale: 300'],
        [/before: \d+s/, 'before: 12s'],
        [/\{ method: basebackup, archiveWal: true \}/, '{ method: basebackup, archiveWal: true, count: 2 }'],
        [
          /objectStore: \{ kind: embedded \}/,
          `objectStore: { kind: s3, endpoint: "${s3.endpoint}", bucket: nightly, accessKeyId: { env: T_KEY }, secretAccessKey: { env: T_SECRET } }`,
        ],
      ]),
    });
    const out = tempOutDir();
    const running = runCli(['run', join(dir, 'behind.yaml'), '--out', out, '--reporter', 'json'], {
      env: { DRDRILL_WORK_DIR: workDir(), T_KEY: 'S3RVER', T_SECRET: 'not-checked' },
    });
    // While the workload runs, someone else changes bytes of the newest base backup in the bucket.
    let tampered: string | undefined;
    for (let i = 0; i < 300 && !tampered; i++) {
      await sleep(100);
      const catalogs = (await store.list('')).filter((o) => o.key.endsWith('/backup.json')).map((o) => o.key);
      if (catalogs.length < 2) continue;
      const newest = catalogs.sort().at(-1)!;
      const catalog = JSON.parse((await store.getBuffer(newest)).toString('utf8')) as {
        id: string;
        objects: { key: string }[];
      };
      // The catalog names objects relative to the drill's prefix, which the catalog's own key starts with.
      const tar = newest.slice(0, newest.indexOf('backups/')) + catalog.objects[0]!.key;
      const data = await store.getBuffer(tar);
      const at = Math.floor(data.length / 2);
      data[at] = data[at]! ^ 0xff;
      await store.put(tar, data);
      tampered = catalog.id;
    }
    const r = await running;
    expect(tampered).toBeDefined();
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.failed);
    const j = journalOf(out, 'behind');
    expect(j.reason).toContain(`backup ${tampered} is damaged (the drill did not damage it)`);
    // The procedure itself still worked: it fell back to the older backup and brought the data back.
    expect((j.measurements.recovery as { backup: string }).backup).toBe(j.backups[0]!.id);
    expect(j.measurements.rpo!.lostBeforeTarget).toBe(0);
  });
});
