/**
 * Restores a base backup from the object store into a NEW instance and replays archived WAL to a target.
 *
 * Steps: pick the backup (newest unless given), fetch and extract it while checking its sha256 (one read of
 * the object; a mismatch throws the extracted files away), refuse if the WAL archive has a gap,
 * pg_verifybackup, configure restore_command (`drdrill wal fetch`, with parallel prefetch) and the target,
 * start, and wait until recovery pauses or promotes.
 * With `fallbackToOlder`, a backup that fails a check is skipped for the previous one; a bad backup is
 * never restored. A backup this drill did not damage on purpose that fails a check is a failed check.
 *
 * RTO: this function marks `fetch-base-backup` and `replay-wal` (which includes promotion) on drill.rto.
 */
import { budgetMs } from '../engine/budgets.js';
import type { Drill } from '../engine/context.js';
import { DrillError, errorMessage } from '../engine/errors.js';
import type { PgInstance } from '../environments/types.js';
import type { RecoveryTarget } from '../recoveries/target.js';
import { now } from '../util/clock.js';
import { withClient } from '../util/pg-client.js';
import { retryUntil } from '../util/retry.js';
import { restoreCommandWithSpool } from '../wal/restore-command.js';
import { segmentNumber, segmentOfLsn } from '../wal/segments.js';
import { listBaseBackups, type CatalogEntry } from './catalog.js';
import { fetchBackupInto } from './fetch-backup.js';
import { verifyBackupObjects } from './integrity.js';
import { recoveryTargetSettings } from './recovery-settings.js';
import { lastReplayedLsn, recoveryState, startAndAwaitReplay } from './await-replay.js';
import { archivedWal, findArchiveGap } from './wal-archive.js';

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
  /** Mark fetch-base-backup and replay-wal on the RTO timeline (default); off for a restore that only proves something. */
  markRto?: boolean;
}

export interface RestoreResult {
  instance: PgInstance;
  backup: { id: string };
  seconds: { fetch: number; replay: number; promote?: number };
  replayEndLsn?: string;
}

export async function restoreBaseBackup(drill: Drill, opts: RestoreOptions): Promise<RestoreResult> {
  const t0 = now();
  const all = await listBaseBackups(drill.store);
  if (!all.length) throw new DrillError('failed', 'no base backup in the object store: nothing to restore from');
  let candidates = opts.backupId ? all.filter((b) => b.id === opts.backupId) : [...all].reverse();
  if (!candidates.length) throw new DrillError('failed', `base backup ${opts.backupId} is not in the catalog`);
  if (!opts.fallbackToOlder) candidates = candidates.slice(0, 1);

  let attempt = 0;
  for (const [i, backup] of candidates.entries()) {
    const suffix = attempt++ ? `-${attempt}` : '';
    const older = candidates[i + 1];
    // Listed while the backup downloads: a gap fails the restore before pg_verifybackup and replay.
    const gapLookup = findArchiveGap(drill.store, backup).then(
      (gap) => ({ gap }),
      (error: unknown) => ({ error }),
    );
    // One pass: the tar is extracted while its sha256 is computed. Its bytes are never used (the server never
    // starts on them) unless they match the catalog.
    const instance = await drill.env.createInstance({ name: `${opts.instanceName}${suffix}`, initdb: false });
    const integrity = await fetchAndVerify(drill, backup, instance);
    const evidence = {
      expected: Object.fromEntries(backup.objects.map((o) => [o.key, o.sha256])),
      actual: integrity.actual,
    };
    if (!integrity.ok) await instance.destroyData();
    if (!integrity.ok && older) {
      // Damage this drill injected on purpose, caught and skipped, is the procedure working. Damage it did not
      // inject is a real finding about the backups, even when an older backup restores fine.
      const injected = drill.fault?.tamperedBackupId === backup.id;
      drill.recorder.check({
        name: injected
          ? `damaged backup ${backup.id} was detected and not restored`
          : `backup ${backup.id} is damaged (the drill did not damage it)`,
        status: injected ? 'passed' : 'failed',
        message: `${integrity.problems.join('; ')}; falling back to ${older.id}`,
        evidence,
      });
      drill.recorder.event('restore', `backup ${backup.id} rejected: ${integrity.problems[0]}; trying ${older.id}`);
      continue;
    }
    drill.recorder.check({
      name: `backup ${backup.id}: objects match the sha256 in its catalog`,
      status: integrity.ok ? 'passed' : 'failed',
      ...(integrity.ok ? {} : { message: integrity.problems.join('; ') }),
      evidence,
    });
    if (!integrity.ok) continue;
    if (integrity.extractError)
      throw new DrillError(
        'error',
        `could not extract backup ${backup.id} into ${instance.dataDir}: ${errorMessage(integrity.extractError)}`,
      );
    drill.instances.set(instance.name, instance);
    const lookup = await gapLookup;
    if ('error' in lookup) throw lookup.error;
    const gap = lookup.gap;
    if (gap) {
      const message = `the WAL archive has a gap: segment ${gap.missing} is missing (archive continues to ${gap.newest}); replay would stop there and promote early`;
      drill.recorder.check({
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
    const verify = await instance.runTool('pg_verifybackup', { args: ['-n', instance.dataDir], allowFailure: true });
    drill.recorder.check({
      name: `pg_verifybackup of backup ${backup.id}`,
      status: verify.code === 0 ? 'passed' : 'failed',
      ...(verify.code
        ? {
            message: (verify.stderr || verify.stdout).trim().split('\n').slice(0, 3).join(' | '),
          }
        : {}),
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
    const fetchSeconds = (now() - t0) / 1000;
    if (opts.markRto !== false) drill.rto.mark('fetch-base-backup');
    return await replay(drill, instance, backup, opts, fetchSeconds);
  }
  throw new DrillError(
    'failed',
    `no base backup passed its integrity checks (${candidates.map((c) => c.id).join(', ')}); refusing to restore a damaged backup`,
  );
}

/**
 * Extracts the backup's tar into the instance while hashing it, and re-hashes any other object it lists;
 * compares each with the sha256 in the catalog.
 */
async function fetchAndVerify(
  drill: Drill,
  backup: CatalogEntry,
  instance: PgInstance,
): Promise<{ ok: boolean; problems: string[]; actual: Record<string, string>; extractError?: unknown }> {
  const [tar, ...others] = backup.objects;
  if (!tar) return { ok: false, problems: [`backup ${backup.id} lists no objects`], actual: {} };
  const rel = drill.store.rel(tar.key);
  const problems: string[] = [];
  const actual: Record<string, string> = {};
  let extractError: unknown;
  try {
    const fetched = await fetchBackupInto(drill.store, rel, instance);
    actual[rel] = fetched.sha256;
    extractError = fetched.extractError;
    if (fetched.sha256 !== tar.sha256)
      problems.push(
        `${rel}: sha256 ${fetched.sha256} (${fetched.bytes} bytes) differs from the catalog's ${tar.sha256} (${tar.bytes} bytes)`,
      );
  } catch (err) {
    problems.push(`${rel}: ${errorMessage(err)}`);
  }
  if (others.length) {
    const rest = await verifyBackupObjects(drill, { ...backup, objects: others }, { record: false });
    problems.push(...rest.problems);
    Object.assign(actual, rest.actual);
  }
  return { ok: problems.length === 0, problems, actual, ...(extractError ? { extractError } : {}) };
}

async function replay(
  drill: Drill,
  instance: PgInstance,
  backup: CatalogEntry,
  opts: RestoreOptions,
  fetchSeconds: number,
): Promise<RestoreResult> {
  await instance.adoptDataDirectory();
  const archiving = opts.archive ?? true;
  await instance.configure({
    restore_command: restoreCommandWithSpool(
      instance.walCommand('fetch', `--prefetch ${opts.prefetch} %f %p`),
      opts.prefetch,
    ),
    recovery_target_action: opts.action,
    recovery_target_timeline: 'latest',
    ...recoveryTargetSettings(opts.target, drill.fault, opts.foundXid),
    ...(archiving
      ? { archive_mode: 'on', archive_command: instance.walCommand('push', '%p %f') }
      : { archive_mode: 'off' }),
  });
  await instance.writeFile('recovery.signal', '');
  const newestBefore = newestSegment(await archivedWal(drill.store), backup.timeline);
  const tReplay = now();
  // Replay has ended once the server pauses at the target or leaves recovery; a FATAL ends it too.
  const want = opts.action === 'pause' ? 'paused' : 'promoted';
  await startAndAwaitReplay(instance, want, drill.signal);
  const replayEnd = now();
  if (opts.markRto !== false) drill.rto.mark('replay-wal', replayEnd);
  const replayEndLsn = await withClient(instance.connection('postgres'), lastReplayedLsn);
  if (opts.action === 'promote' && opts.target.type === 'end-of-archive')
    await checkReplayReachedArchiveEnd(drill, backup.timeline, replayEndLsn, newestBefore);
  drill.recorder.event(
    'restore',
    `${instance.name}: restored backup ${backup.id}, replayed to ${replayEndLsn ?? 'the target'} (${want})`,
    { backup: backup.id, target: opts.target },
  );
  return {
    instance,
    backup,
    seconds: { fetch: fetchSeconds, replay: (replayEnd - tReplay) / 1000 },
    ...(replayEndLsn ? { replayEndLsn } : {}),
  };
}

/** Resumes a paused recovery, which promotes (recovery_target_action = pause). */
export async function promotePaused(drill: Drill, instance: PgInstance): Promise<void> {
  await withClient(instance.connection('postgres'), (c) => c.query('SELECT pg_wal_replay_resume()'));
  await retryUntil(
    `${instance.name} promoted`,
    () => recoveryState(instance),
    (s) => s === 'promoted',
    {
      timeoutMs: budgetMs('promote'),
      signal: drill.signal,
    },
  );
}

function newestSegment(names: string[], timeline: number): string | undefined {
  return names
    .filter((n) => /^[0-9A-F]{24}$/.test(n) && segmentNumber(n).timeline === timeline)
    .sort()
    .at(-1);
}

/**
 * Without a target, PostgreSQL promotes at the first segment it cannot fetch: prove that was the archive's
 * end. The replay position comes from the server (pg_last_wal_replay_lsn), and the check is always recorded.
 */
async function checkReplayReachedArchiveEnd(
  drill: Drill,
  timeline: number,
  replayed: string | undefined,
  newest: string | undefined,
): Promise<void> {
  const name = 'replay reached the end of the WAL archive';
  if (!replayed || !newest) {
    drill.recorder.check({
      name,
      status: 'error',
      message: !replayed ? 'pg_last_wal_replay_lsn() returned nothing' : 'the archive holds no segment of the timeline',
      evidence: { query: 'SELECT pg_last_wal_replay_lsn()', actual: replayed ?? null, expected: newest ?? null },
    });
    return;
  }
  const segment = segmentOfLsn(timeline, replayed);
  const ok = segmentNumber(segment).n >= segmentNumber(newest).n;
  drill.recorder.check({
    name,
    status: ok ? 'passed' : 'failed',
    ...(ok
      ? {}
      : {
          message: `replay ended in ${segment} but the archive holds WAL up to ${newest}: recovery promoted early`,
        }),
    evidence: {
      query: 'SELECT pg_last_wal_replay_lsn()',
      expected: `a position in ${newest} or later`,
      actual: `${replayed} (${segment})`,
    },
  });
  if (!ok)
    throw new DrillError(
      'failed',
      `recovery promoted early: replay ended in ${segment}, the archive holds WAL up to ${newest}`,
    );
}
