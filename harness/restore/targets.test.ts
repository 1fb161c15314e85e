import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basebackup } from '../backups/basebackup.js';
import type { Drill } from '../engine/context.js';
import type { RecoveryTarget } from '../recoveries/target.js';
import { standaloneDrill } from '../testing/standalone-drill.js';
import { standaloneEnvironment } from '../testing/standalone-env.js';
import { isKind, parseScenario } from '../scenario/load.js';
import { withClient } from '../util/pg-client.js';
import { restoreBaseBackup } from './restore-base-backup.js';
import { archiveCurrentWal } from './wal-archive.js';

/**
 * PITR to each target type against a real primary, real WAL archive and real S3: rows 1..10 committed
 * before the target, 11..20 after, one per transaction. The restore must hold exactly rows 1..10.
 */
describe('point-in-time recovery lands exactly on every target type', () => {
  let ctx: Drill;
  let close: () => Promise<void>;
  const marks: { xid: string; lsn: string; time: string } = { xid: '', lsn: '', time: '' };

  beforeAll(async () => {
    const loaded = parseScenario(
      'apiVersion: drdrill/v1\nkind: Drill\nmetadata: { name: targets }\nbackup: [ { method: basebackup } ]\n',
      'targets.yaml',
    );
    if (!isKind(loaded, 'Drill')) throw new Error('the scenario is a drill');
    const standalone = await standaloneEnvironment('targets');
    const { env, onTeardown } = standalone;
    close = standalone.close;
    const primary = await env.createInstance({ name: 'primary', initdb: true });
    const spec = loaded.scenario.backup[0];
    if (spec?.method !== 'basebackup') throw new Error('the scenario takes a basebackup');
    await primary.configure((await basebackup.instanceSettings?.(spec, env, primary)) ?? {});
    await primary.start();
    ctx = await standaloneDrill({ loaded, env, primary, onTeardown });
    await withClient(ctx.db(), (c) => c.query('CREATE TABLE t (n int PRIMARY KEY)'));
    await basebackup.take(ctx, spec);
    await withClient(ctx.db(), async (c) => {
      for (let n = 1; n <= 20; n++) {
        const r = await c.query<{ xid: string }>('INSERT INTO t VALUES ($1) RETURNING txid_current()::text AS xid', [
          n,
        ]);
        if (n === 10) {
          marks.xid = r.rows[0]!.xid;
          const m = await c.query<{ lsn: string; time: string }>(
            `SELECT pg_current_wal_insert_lsn()::text AS lsn, clock_timestamp()::text AS time`,
          );
          marks.lsn = m.rows[0]!.lsn;
          marks.time = m.rows[0]!.time;
          await c.query(`SELECT pg_create_restore_point('after-row-10')`);
        }
        await new Promise((r) => setTimeout(r, 30));
      }
    });
    await archiveCurrentWal(ctx);
  });

  afterAll(() => close?.());

  const targets: [string, () => RecoveryTarget, number[]][] = [
    ['xid', () => ({ type: 'xid', value: marks.xid }), range(1, 10)],
    ['lsn', () => ({ type: 'lsn', value: marks.lsn }), range(1, 10)],
    ['time', () => ({ type: 'time', value: marks.time }), range(1, 10)],
    ['name', () => ({ type: 'name', value: 'after-row-10' }), range(1, 10)],
    ['immediate', () => ({ type: 'immediate' }), []],
    ['end-of-archive', () => ({ type: 'end-of-archive' }), range(1, 20)],
  ];

  it.each(targets)('%s', async (name, target, expected) => {
    const restored = await restoreBaseBackup(ctx, {
      instanceName: `r-${name}`,
      target: target(),
      action: 'promote',
      prefetch: 2,
      archive: false,
    });
    const rows = await withClient(restored.instance.connection('postgres'), async (c) =>
      (await c.query<{ n: number }>('SELECT n FROM t ORDER BY n')).rows.map((r) => r.n),
    );
    await restored.instance.stop('fast');
    expect(rows).toEqual(expected);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
