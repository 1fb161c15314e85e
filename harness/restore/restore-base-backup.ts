/**
 * Restores a base backup from the object store into a NEW instance and replays archived WAL to a target.
 *
 * Steps: pick the backup (newest unless given), check its objects' sha256, fetch and extract it,
 * pg_verifybackup, refuse if the WAL archive has a gap, configure restore_command (`drdrill wal fetch`, with
 * parallel prefetch) and the target, start, and wait until recovery pauses or promotes.
 * With `fallbackToOlder`, a backup that fails a check is skipped for the previous one; a bad backup is
 * never restored.
 *
 * RTO: this function marks `fetch-base-backup` and `replay-wal` on ctx.rto, and `promote` when it promotes.
 */
import pg from 'pg';
import type { DrillContext } from '../engine/context.js';
import { DrillError } from '../engine/errors.js';
import type { PgInstance } from '../environments/types.js';
import type { RecoveryTarget } from '../scenario/schema.js';
import { retryUntil, sleep } from '../util/retry.js';
import { listBaseBackups, type CatalogEntry } from './catalog.js';
import { verifyBackupObjects } from './integrity.js';
import { recoveryTargetSettings } from './recovery-settings.js';
import { findArchiveGap } from './wal-archive.js';
import { segmentOfLsn, segmentNumber } from '../wal/segments.js';
import { archivedWal } from './wal-archive.js';

export interface RestoreOptions {
  instanceName: string;
  backupId?: string;
  fallbackToOlder?: boolean;
  target: RecoveryTarget;
  action: 'promote' | 'pause';
  prefetch: number;
  /** Keep archiving WAL from the restored instance (a new primary); off for side instances. Default on. */
  archive?: boolean;
  /** Transaction id found in the WAL, for target type find-in-wal. */
  foundXid?: string;
}

export interface RestoreResult {
  instance: PgInstance;
  backup: CatalogEntry;
  seconds: { fetch: number; replay: number; promote: number };
  replayEndLsn?: string;
}

const REPLAY_TIMEOUT_MS = 10 * 60_000;

export async function restoreBaseBackup(ctx: DrillContext, opts: RestoreOptions): Promise<RestoreResult> {
  const t0 = Date.now();
  const all = await listBaseBackups(ctx.store);
  if (!all.length) throw new DrillError('failed', 'no base backup in the object store: nothing to restore from');
  let candidates = opts.backupId ? all.filter((b) => b.id === opts.backupId) : [...all].reverse();
  if (!candidates.length) throw new DrillError('failed', `base backup ${opts.backupId} is not in the catalog`);
  if (!opts.fallbackToOlder) candidates = candidates.slice(0, 1);

  let attempt = 0;
  for (const [i, backup] of candidates.entries()) {
    const suffix = attempt++ ? `-${attempt}` : '';
    const integrity = await verifyBackupObjects(ctx, backup, { record: false });
    const older = candidates[i + 1];
    const evidence = {
      expected: Object.fromEntries(backup.objects.map((o) => [o.key, o.sha256])),
      actual: integrity.actual,
    };
    if (!integrity.ok && older) {
      // Catching the damage and falling back is the procedure working, not failing.
      ctx.recorder.check({
        name: `damaged backup ${backup.id} was detected and not restored`,
        status: 'passed',
        message: `${integrity.problems.join('; ')}; falling back to ${older.id}`,
        evidence,
      });
      ctx.recorder.event('restore', `backup ${backup.id} rejected: ${integrity.problems[0]}; trying ${older.id}`);
      continue;
    }
    ctx.recorder.check({
      name: `backup ${backup.id}: objects match the sha256 in its catalog`,
      status: integrity.ok ? 'passed' : 'failed',
      ...(integrity.ok ? {} : { message: integrity.problems.join('; ') }),
      evidence,
    });
    if (!integrity.ok) continue;
    const gap = await findArchiveGap(ctx.store, backup);
    if (gap) {
      const message = `the WAL archive has a gap: segment ${gap.missing} is missing (archive continues to ${gap.newest}); replay would stop there and promote early`;
      ctx.recorder.check({
        name: 'WAL archive is continuous from the backup',
        status: 'failed',
        message,
        evidence: {
          expected: `every segment from ${segmentOfLsn(backup.timeline, backup.startLsn)} to ${gap.newest}`,
          actual: `${gap.missing} missing`,
        },
      });
      throw new DrillError('failed', message);
    }
    const instance = await ctx.env.createInstance({ name: `${opts.instanceName}${suffix}`, initdb: false });
    ctx.instances.set(instance.name, instance);
    await instance.extractTar(await ctx.store.getStream(backup.objects[0]!.key.slice(ctx.store.prefix.length)));
    const verify = await instance.runTool('pg_verifybackup', { args: ['-n', instance.dataDir], allowFailure: true });
    ctx.recorder.check({
      name: `pg_verifybackup of backup ${backup.id}`,
      status: verify.code === 0 ? 'passed' : 'failed',
      ...(verify.code ? { message: (verify.stderr || verify.stdout).trim().split('\n').slice(0, 3).join(' | ') } : {}),
      evidence: {
        command: `pg_verifybackup -n ${instance.dataDir}`,
        expected: 'exit 0',
        actual: `exit ${verify.code}`,
        output: (verify.stdout + verify.stderr).slice(0, 4000),
      },
    });
    if (verify.code !== 0) {
      await instance.destroyData();
      continue;
    }
    const fetchSeconds = (Date.now() - t0) / 1000;
    ctx.rto.mark('fetch-base-backup');
    return await replay(ctx, instance, backup, opts, fetchSeconds);
  }
  throw new DrillError(
    'failed',
    `no base backup passed its integrity checks (${candidates.map((c) => c.id).join(', ')}); refusing to restore a damaged backup`,
  );
}

async function replay(
  ctx: DrillContext,
  instance: PgInstance,
  backup: CatalogEntry,
  opts: RestoreOptions,
  fetchSeconds: number,
): Promise<RestoreResult> {
  await instance.adoptDataDirectory();
  const archiving = opts.archive ?? true;
  await instance.configure({
    restore_command: instance.walCommand('fetch', `--prefetch ${opts.prefetch} %f %p`),
    recovery_target_action: opts.action,
    recovery_target_timeline: 'latest',
    ...recoveryTargetSettings(opts.target, ctx.fault, opts.foundXid),
    ...(archiving
      ? { archive_mode: 'on', archive_command: instance.walCommand('push', '%p %f') }
      : { archive_mode: 'off' }),
  });
  await instance.writeFile('recovery.signal', '');
  const newestBefore = newestSegment(await archivedWal(ctx.store), backup.timeline);
  const tReplay = Date.now();
  await instance.start({ waitReady: false });
  let exited = false;
  void instance.exited().then(() => {
    exited = true;
  });

  // Replay ends when the log says so; promotion when the server leaves recovery.
  let replayEnd: number | undefined;
  let replayEndLsn: string | undefined;
  const deadline = Date.now() + REPLAY_TIMEOUT_MS;
  for (;;) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const log = await instance.logTail(400);
    if (
      exited ||
      /FATAL: .*recovery ended before configured recovery target was reached|FATAL: .*could not restore file/.test(log)
    ) {
      const fatal = log
        .split('\n')
        .filter((l) => /FATAL|PANIC/.test(l))
        .slice(-2)
        .join(' | ');
      throw new DrillError('failed', `recovery of ${instance.name} stopped: ${fatal || 'postgres exited'}`);
    }
    const redo =
      /redo done at ([0-9A-F]+\/[0-9A-F]+)|recovery stopping (?:before|after) .*?(?:, time .*)?$|pausing at the end of recovery|recovery has paused/m.exec(
        log,
      );
    if (redo && replayEnd === undefined) {
      replayEnd = Date.now();
      replayEndLsn = /redo done at ([0-9A-F]+\/[0-9A-F]+)/.exec(log)?.[1];
    }
    if (
      replayEnd !== undefined &&
      (await recoveryState(instance)) === (opts.action === 'pause' ? 'paused' : 'promoted')
    )
      break;
    if (Date.now() > deadline)
      throw new DrillError(
        'failed',
        `recovery of ${instance.name} did not finish within ${REPLAY_TIMEOUT_MS / 1000} s`,
      );
    await sleep(100, ctx.signal);
  }
  const replaySeconds = (replayEnd - tReplay) / 1000;
  ctx.rto.mark('replay-wal', replayEnd);
  const promoteSeconds = (Date.now() - replayEnd) / 1000;
  if (opts.action === 'promote') {
    ctx.rto.mark('promote');
    if (opts.target.type === 'end-of-archive')
      await checkReplayReachedArchiveEnd(ctx, instance, backup.timeline, newestBefore);
  }
  ctx.recorder.event(
    'restore',
    `${instance.name}: restored backup ${backup.id}, replayed to ${replayEndLsn ?? 'the target'} (${opts.action === 'pause' ? 'paused' : 'promoted'})`,
    { backup: backup.id, target: opts.target },
  );
  return {
    instance,
    backup,
    seconds: { fetch: fetchSeconds, replay: replaySeconds, promote: promoteSeconds },
    ...(replayEndLsn ? { replayEndLsn } : {}),
  };
}

async function recoveryState(instance: PgInstance): Promise<'recovering' | 'paused' | 'promoted' | 'down'> {
  const c = new pg.Client({ ...instance.connection('postgres'), connectionTimeoutMillis: 1000 });
  c.on('error', () => {});
  try {
    await c.connect();
    const r = await c.query<{ rec: boolean; pause: string }>(
      `SELECT pg_is_in_recovery() AS rec, CASE WHEN pg_is_in_recovery() THEN pg_get_wal_replay_pause_state() ELSE '' END AS pause`,
    );
    const row = r.rows[0]!;
    return !row.rec ? 'promoted' : row.pause === 'paused' ? 'paused' : 'recovering';
  } catch {
    return 'down';
  } finally {
    await c.end().catch(() => {});
  }
}

/** Resumes a paused recovery, which promotes (recovery_target_action = pause). */
export async function promotePaused(ctx: DrillContext, instance: PgInstance): Promise<void> {
  const c = new pg.Client(instance.connection('postgres'));
  c.on('error', () => {});
  await c.connect();
  try {
    await c.query('SELECT pg_wal_replay_resume()');
  } finally {
    await c.end();
  }
  await retryUntil(
    `${instance.name} promoted`,
    () => recoveryState(instance),
    (s) => s === 'promoted',
    { timeoutMs: 60_000, signal: ctx.signal },
  );
}

function newestSegment(names: string[], timeline: number): string | undefined {
  return names
    .filter((n) => /^[0-9A-F]{24}$/.test(n) && segmentNumber(n).timeline === timeline)
    .sort()
    .at(-1);
}

/** Without a target, PostgreSQL promotes at the first segment it cannot fetch: prove that was the archive's end. */
async function checkReplayReachedArchiveEnd(
  ctx: DrillContext,
  instance: PgInstance,
  timeline: number,
  newest: string | undefined,
): Promise<void> {
  const log = await instance.logTail(400);
  const redo = /redo done at ([0-9A-F]+\/[0-9A-F]+)/.exec(log)?.[1];
  if (!redo || !newest) return;
  const replayed = segmentOfLsn(timeline, redo);
  const ok = segmentNumber(replayed).n >= segmentNumber(newest).n;
  ctx.recorder.check({
    name: 'replay reached the end of the WAL archive',
    status: ok ? 'passed' : 'failed',
    ...(ok
      ? {}
      : { message: `replay ended in ${replayed} but the archive holds WAL up to ${newest}: recovery promoted early` }),
    evidence: { expected: `redo done in ${newest} or later`, actual: `redo done at ${redo} (${replayed})` },
  });
  if (!ok)
    throw new DrillError(
      'failed',
      `recovery promoted early: replay ended in ${replayed}, the archive holds WAL up to ${newest}`,
    );
}
