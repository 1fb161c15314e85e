import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import { z } from 'zod';
import { DrillError } from '../../engine/errors.js';
import type { ObjectStoreConnection, ToolResult } from '../../environments/types.js';
import { redact } from '../../util/logger.js';
import { shellQuote } from '../../util/process.js';
import { isSegmentName } from '../../wal/segments.js';
import { objectUrl } from '../fetch-object.js';
import { replayUntilPromoted, targetSettings } from '../replay.js';
import { checkWalContinuity, type ArchivedSegment } from '../wal-continuity.js';
import { defineFormat, type ListedBackup, type SourceAccess } from './types.js';

export const barmanCloudFormatSpec = z.strictObject({
  type: z.literal('barman-cloud'),
  serverName: z
    .string()
    .min(1)
    .describe('the server name the backups were taken under (CloudNativePG: the cluster name)'),
});
type Spec = z.output<typeof barmanCloudFormatSpec>;

interface BarmanBackup {
  backup_id: string;
  status: string;
  end_time: string;
  begin_wal: string;
  end_wal: string;
}

/** Compressed WAL as barman-cloud-wal-archive stores it: the segment name and a compression suffix. */
const WAL_FILE = /^([0-9A-F]{24})(\.(gz|bz2|snappy|xz|lz4|zst))?$/;

/**
 * The object-store layout CloudNativePG and Barman write (`barman-cloud-backup` and
 * `barman-cloud-wal-archive`): `<prefix>/<server>/base/<id>/{backup.info,data.tar}` and
 * `<prefix>/<server>/wals/<timeline+log>/<segment>`. Checks before restoring: the backup listing, WAL
 * continuity to the newest archived segment, and `barman-cloud-wal-restore` of the WAL the backup needs.
 * barman-cloud records no checksums of its tars: damage shows when the tar is read or replay fails.
 */
export const barmanCloudFormat = defineFormat<Spec>({
  title: 'barman-cloud (CloudNativePG, Barman)',
  pitr: true,
  initdb: false,
  async prerequisites(env) {
    if (env.kind === 'native' && !existsSync('/usr/bin/barman-cloud-restore'))
      throw new DrillError(
        'missing-prerequisite',
        'source.format barman-cloud needs barman-cloud-restore and barman-cloud-wal-restore (Debian/Ubuntu: apt-get install barman-cli-cloud)',
      );
  },
  async list(source, spec) {
    const r = await barman(source, 'barman-cloud-backup-list', ['--format', 'json', ...location(source.conn, spec)]);
    if (r.code !== 0) throw new DrillError('failed', `barman-cloud-backup-list failed: ${lastLines(r)}`);
    const listed = (JSON.parse(r.stdout) as { backups_list: BarmanBackup[] }).backups_list.filter(
      (b) => b.status === 'DONE',
    );
    const objects = await source.store.list(`${spec.serverName}/base/`);
    const wal = await archivedSegments(source, spec);
    return listed.map((b): ListedBackup => {
      const files = objects.filter((o) => o.key.startsWith(`${spec.serverName}/base/${b.backup_id}/`));
      const newest = wal.filter((s) => s.name.slice(0, 8) === b.begin_wal.slice(0, 8)).at(-1)?.name;
      return {
        id: b.backup_id,
        time: barmanTime(b.end_time),
        bytes: files.reduce((n, f) => n + f.bytes, 0),
        objects: files.map((f) => f.key),
        wal: { start: b.begin_wal, end: b.end_wal, ...(newest ? { newest } : {}) },
      };
    });
  },
  open(ctx, spec, backup) {
    let newest: string | undefined;
    const tars = () =>
      backup.objects.filter((k) => k.endsWith('.tar') || k.includes('.tar.')).map((k) => objectUrl(ctx, k));
    return {
      async fetch() {
        const r = await barman(ctx.source, 'barman-cloud-restore', [
          ...location(ctx.source.conn, spec),
          backup.id,
          ctx.instance.dataDir,
        ]);
        await ctx.saveArtifact('barman-cloud-restore.txt', redact(r.stdout + r.stderr), 'barman-cloud-restore');
        if (r.code !== 0)
          throw new DrillError(
            'failed',
            `barman-cloud-restore of ${backup.id} failed reading ${tars().join(', ')}: ${lastLines(r)}`,
          );
        return { bytes: backup.bytes };
      },
      async integrity() {
        if (!backup.wal) throw new DrillError('failed', `backup ${backup.id} names no WAL`);
        const segments = await archivedSegments(ctx.source, spec);
        const key = (s: string) =>
          segments.find((x) => x.name === s)?.key ?? `${spec.serverName}/wals/${s.slice(0, 16)}/${s}`;
        checkWalContinuity(ctx, segments, backup.wal.start, backup.wal.end, (s) => objectUrl(ctx, key(s)));
        newest = segments.filter((s) => s.name.slice(0, 8) === backup.wal!.start.slice(0, 8)).at(-1)?.name;
        // The restore tool itself must bring back the WAL the backup needs to become consistent.
        const probe = posix.join(posix.dirname(await ctx.instance.writePrivateFile('wal-probe', '')), 'wal-probe');
        const needed = backup.wal.end ?? backup.wal.start;
        const r = await barman(ctx.source, 'barman-cloud-wal-restore', [
          ...location(ctx.source.conn, spec),
          needed,
          probe,
        ]);
        ctx.recorder.check({
          name: `barman-cloud-wal-restore brings back ${needed}`,
          status: r.code === 0 ? 'passed' : 'failed',
          ...(r.code === 0 ? {} : { message: `${objectUrl(ctx, key(needed))}: ${lastLines(r)}` }),
          evidence: { command: `barman-cloud-wal-restore ... ${needed}`, expected: 'exit 0', actual: `exit ${r.code}` },
        });
        if (r.code !== 0)
          throw new DrillError('failed', `barman-cloud-wal-restore could not fetch ${objectUrl(ctx, key(needed))}`);
      },
      async restore() {
        const instance = ctx.instance;
        await instance.adoptDataDirectory({ archive_mode: 'off' });
        const wrapper = await instance.writePrivateFile(
          'barman-wal-restore.sh',
          walRestoreScript(ctx.source.conn, spec),
        );
        await instance.configure({
          restore_command: `sh ${shellQuote(wrapper)} %f %p`,
          ...targetSettings(ctx.scenario.target),
        });
        await instance.writeFile('recovery.signal', '');
      },
      replay: () => replayUntilPromoted(ctx, ctx.instance, newest),
    };
  },
});

function location(conn: ObjectStoreConnection, spec: Spec): string[] {
  const url = `s3://${conn.bucket}${conn.prefix ? `/${conn.prefix.replace(/\/$/, '')}` : ''}`;
  return ['--endpoint-url', conn.endpointForInstances, url, spec.serverName];
}

function credentials(conn: ObjectStoreConnection): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: conn.accessKeyId,
    AWS_SECRET_ACCESS_KEY: conn.secretAccessKey,
    AWS_DEFAULT_REGION: conn.region,
    // boto3 >= 1.36 sends aws-chunked bodies by default, which some S3 implementations store as data.
    AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
  };
}

function barman(
  source: SourceAccess,
  tool: 'barman-cloud-backup-list' | 'barman-cloud-restore' | 'barman-cloud-wal-restore',
  args: string[],
): Promise<ToolResult> {
  return source.tools.runTool(tool, { args, env: credentials(source.conn), allowFailure: true });
}

/**
 * restore_command: the credentials stay in a private file, and barman-cloud-wal-restore's exit codes are
 * mapped to PostgreSQL's contract: 1 (not in the archive) ends recovery, any other failure aborts it instead
 * of promoting early.
 */
function walRestoreScript(conn: ObjectStoreConnection, spec: Spec): string {
  const env = Object.entries(credentials(conn))
    .map(([k, v]) => `export ${k}=${shellQuote(v)}`)
    .join('\n');
  return `${env}\nbarman-cloud-wal-restore ${location(conn, spec).map(shellQuote).join(' ')} "$1" "$2"\nrc=$?\n[ "$rc" -le 1 ] && exit "$rc"\nexit 126\n`;
}

async function archivedSegments(source: SourceAccess, spec: Spec): Promise<ArchivedSegment[]> {
  return (await source.store.list(`${spec.serverName}/wals/`))
    .map((o) => ({ m: WAL_FILE.exec(posix.basename(o.key)), o }))
    .filter(({ m }) => m && isSegmentName(m[1]!))
    .map(({ m, o }) => ({ name: m![1]!, key: o.key, ...(o.lastModified ? { lastModified: o.lastModified } : {}) }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** barman prints times like "Thu Nov 26 01:54:17 2026" (the server's local time; UTC on servers and in pods). */
function barmanTime(text: string): string {
  const parsed = Date.parse(`${text.replace(/^\w{3} /, '')} UTC`);
  return Number.isFinite(parsed) ? new Date(parsed).toISOString() : new Date(0).toISOString();
}

function lastLines(r: ToolResult): string {
  return redact((r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | '));
}
