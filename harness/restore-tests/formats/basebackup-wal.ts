import { createReadStream } from 'node:fs';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { z } from 'zod';
import { DrillError } from '../../engine/errors.js';
import { prefetchField } from '../../recoveries/target.js';
import { isSegmentName, segmentOfLsn } from '../../wal/segments.js';
import { fetchObject, objectUrl } from '../fetch-object.js';
import { replayUntilPromoted, targetSettings } from '../replay.js';
import { checkWalContinuity, type ArchivedSegment } from '../wal-continuity.js';
import { defineFormat, type ListedBackup, type SourceAccess } from './types.js';

const dirField = (what: string, def: string) =>
  z
    .string()
    .regex(/^([^/].*\/)?$/, 'a key prefix ending in "/" (or empty)')
    .default(def)
    .describe(what);

export const basebackupWalFormatSpec = z.strictObject({
  type: z.literal('basebackup-wal'),
  base: dirField(
    'under the source prefix: one directory per pg_basebackup -Ft run (base.tar[.gz], backup_manifest)',
    'base/',
  ),
  wal: dirField('under the source prefix: the archived WAL segments, as archive_command stored them', 'wal/'),
  prefetch: prefetchField,
});
type Spec = z.output<typeof basebackupWalFormatSpec>;

const TARS = /^(base|pg_wal|\d+)\.tar(\.gz)?$/;

/**
 * pg_basebackup tar files (`pg_basebackup -Ft [-z] -D dir`, uploaded as one directory per backup) and WAL
 * segments archived by the seed's `archive_command = 'aws s3 cp "%p" "s3://my-backups/wal/%f"'`. Checks before
 * restoring: WAL continuity from the backup to the newest archived segment, the gzip and tar streams, and
 * `pg_verifybackup` against the backup's manifest. Replay runs `drdrill wal fetch` against the source.
 */
export const basebackupWalFormat = defineFormat<Spec>({
  title: 'pg_basebackup tars and archived WAL',
  pitr: true,
  initdb: false,
  async list(source, spec) {
    const objects = await source.store.list(spec.base);
    const byDir = new Map<string, typeof objects>();
    for (const o of objects) {
      const dir = posix.dirname(o.key);
      byDir.set(dir, [...(byDir.get(dir) ?? []), o]);
    }
    const wal = await archivedSegments(source, spec);
    const out: ListedBackup[] = [];
    for (const [dir, files] of byDir) {
      const base = files.find((f) => /^base\.tar(\.gz)?$/.test(posix.basename(f.key)));
      if (!base) continue;
      const range = await walRange(source, files, base.key);
      const newest = range ? wal.filter((s) => s.name.slice(0, 8) === range.start.slice(0, 8)).at(-1)?.name : undefined;
      out.push({
        id: posix.basename(dir),
        time: new Date(Math.max(...files.map((f) => f.lastModified?.getTime() ?? 0))).toISOString(),
        bytes: files.reduce((n, f) => n + f.bytes, 0),
        objects: files.map((f) => f.key),
        ...(range ? { wal: { ...range, ...(newest ? { newest } : {}) } } : {}),
      });
    }
    return out;
  },
  open(ctx, spec, backup) {
    const tars: { key: string; path: string; gzip: boolean }[] = [];
    const streamOf = (t: { path: string; gzip: boolean }): Readable => {
      const raw = createReadStream(t.path);
      return t.gzip ? raw.pipe(createGunzip()) : raw;
    };
    let newest: string | undefined;
    return {
      async fetch() {
        let bytes = 0;
        for (const key of backup.objects.filter((k) => TARS.test(posix.basename(k)))) {
          const f = await fetchObject(ctx, key);
          bytes += f.bytes;
          tars.push({ key, path: f.path, gzip: key.endsWith('.gz') });
        }
        return { bytes };
      },
      async integrity() {
        const problems: string[] = [];
        const entries: Record<string, number> = {};
        for (const t of tars) {
          try {
            entries[posix.basename(t.key)] = await countTarEntries(streamOf(t));
          } catch (err) {
            problems.push(
              `${objectUrl(ctx, t.key)}: ${t.gzip ? 'gzip/' : ''}tar stream is damaged: ${(err as Error).message}`,
            );
          }
        }
        ctx.recorder.check({
          name: `backup ${backup.id}: ${tars.map((t) => posix.basename(t.key)).join(', ')} read whole (${tars.some((t) => t.gzip) ? 'gzip and ' : ''}tar)`,
          status: problems.length ? 'failed' : 'passed',
          ...(problems.length ? { message: problems.join('; ') } : {}),
          evidence: { expected: 'every tar stream readable to its end', actual: problems.length ? problems : entries },
        });
        if (problems.length) throw new DrillError('failed', problems[0]!);
        if (!backup.wal)
          throw new DrillError(
            'failed',
            `backup ${backup.id}: neither a backup_manifest nor a backup_label says where its WAL starts`,
          );
        const segments = await archivedSegments(ctx.source, spec);
        checkWalContinuity(ctx, segments, backup.wal.start, backup.wal.end, (s) => objectUrl(ctx, `${spec.wal}${s}`));
        newest = segments.filter((s) => s.name.slice(0, 8) === backup.wal!.start.slice(0, 8)).at(-1)?.name;
      },
      async restore() {
        const instance = ctx.instance;
        for (const t of tars) {
          const name = posix.basename(t.key);
          if (name.startsWith('base.')) await instance.extractTar(streamOf(t));
          else if (name.startsWith('pg_wal.')) await instance.extractTar(streamOf(t), 'pg_wal');
          else
            throw new DrillError(
              'failed',
              `${objectUrl(ctx, t.key)}: tablespace tars are not restored by this version`,
            );
        }
        const manifestKey = backup.objects.find((k) => posix.basename(k) === 'backup_manifest');
        if (manifestKey) {
          if (!(await instance.exists('backup_manifest')))
            await instance.writeFile('backup_manifest', await ctx.source.store.getBuffer(manifestKey));
          const verify = await instance.runTool('pg_verifybackup', {
            args: ['-n', instance.dataDir],
            allowFailure: true,
          });
          const output = (verify.stdout + verify.stderr).trim();
          ctx.recorder.check({
            name: `pg_verifybackup of backup ${backup.id}`,
            status: verify.code === 0 ? 'passed' : 'failed',
            ...(verify.code
              ? {
                  message: `${objectUrl(ctx, tars[0]!.key)} does not match its manifest: ${output.split('\n').slice(0, 3).join(' | ')}`,
                }
              : {}),
            evidence: {
              command: `pg_verifybackup -n ${instance.dataDir}`,
              expected: 'exit 0',
              actual: `exit ${verify.code}`,
              output: output.slice(0, 4000),
            },
          });
          if (verify.code !== 0)
            throw new DrillError(
              'failed',
              `${objectUrl(ctx, tars[0]!.key)} does not match its manifest: ${output.split('\n')[0]}`,
            );
        }
        await instance.adoptDataDirectory({ archive_mode: 'off' });
        // The user's WAL layout, read with drdrill's own restore_command; `--config` given last wins.
        const config = await instance.writePrivateFile(
          'source-wal.json',
          JSON.stringify({ ...ctx.source.conn, walDir: spec.wal }),
        );
        await instance.configure({
          restore_command: instance.walCommand('fetch', `--config ${config} --prefetch ${spec.prefetch} %f %p`),
          ...targetSettings(ctx.scenario.target),
        });
        await instance.writeFile('recovery.signal', '');
      },
      replay: () => replayUntilPromoted(ctx, ctx.instance, newest),
    };
  },
});

async function archivedSegments(source: SourceAccess, spec: Spec): Promise<ArchivedSegment[]> {
  return (await source.store.list(spec.wal))
    .map((o) => ({
      name: posix.basename(o.key),
      key: o.key,
      ...(o.lastModified ? { lastModified: o.lastModified } : {}),
    }))
    .filter((s) => isSegmentName(s.name))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Where the backup's WAL starts and where it becomes consistent: its manifest, else the backup_label in its tar. */
async function walRange(
  source: SourceAccess,
  files: { key: string }[],
  baseKey: string,
): Promise<{ start: string; end?: string } | undefined> {
  const manifest = files.find((f) => posix.basename(f.key) === 'backup_manifest');
  if (manifest) {
    const parsed = JSON.parse((await source.store.getBuffer(manifest.key)).toString('utf8')) as {
      'WAL-Ranges'?: { Timeline: number; 'Start-LSN': string; 'End-LSN': string }[];
    };
    const r = parsed['WAL-Ranges']?.[0];
    if (r) return { start: segmentOfLsn(r.Timeline, r['Start-LSN']), end: segmentOfLsn(r.Timeline, r['End-LSN']) };
  }
  const label = await readBackupLabel(await source.store.getStream(baseKey), baseKey.endsWith('.gz'));
  const m = label ? /START WAL LOCATION: \S+ \(file ([0-9A-F]{24})\)/.exec(label) : null;
  return m ? { start: m[1]! } : undefined;
}

/** The backup_label entry of a base tar (pg_basebackup sends it first), reading no further than needed. */
async function readBackupLabel(stream: Readable, gzip: boolean): Promise<string | undefined> {
  const extract = tar.extract();
  let label: string | undefined;
  const done = new Promise<void>((resolve) => {
    extract.on('entry', (header, body, next) => {
      if (header.name === 'backup_label') {
        const chunks: Buffer[] = [];
        body.on('data', (c: unknown) => chunks.push(c as Buffer));
        body.on('end', () => {
          label = Buffer.concat(chunks).toString('utf8');
          resolve();
        });
      } else {
        body.on('end', next);
        body.resume();
      }
    });
    extract.on('finish', () => resolve());
    extract.on('error', () => resolve());
  });
  (gzip ? stream.pipe(createGunzip()) : stream).pipe(extract);
  await done;
  stream.destroy();
  return label;
}

async function countTarEntries(stream: Readable): Promise<number> {
  const extract = tar.extract();
  let n = 0;
  extract.on('entry', (_header, body, next) => {
    n++;
    body.on('end', next);
    body.resume();
  });
  await pipeline(stream, extract);
  return n;
}
