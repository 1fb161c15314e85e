import { posix } from 'node:path';
import { z } from 'zod';
import { DrillError } from '../../engine/errors.js';
import type { ToolResult } from '../../environments/types.js';
import { redact } from '../../util/logger.js';
import { isSegmentName } from '../../wal/segments.js';
import { objectUrl } from '../fetch-object.js';
import { describeTarget, replayUntilPromoted } from '../replay.js';
import type { RestoreTarget } from '../schema.js';
import { checkWalContinuity } from '../wal-continuity.js';
import { defineFormat, type ListedBackup, type SourceAccess } from './types.js';

export const pgbackrestFormatSpec = z.strictObject({
  type: z.literal('pgbackrest'),
  stanza: z.string().min(1).describe('the stanza whose backups are restored; source.objectStore.prefix is repo1-path'),
  verifyTls: z
    .boolean()
    .default(true)
    .describe(
      'verify the endpoint certificate (repo1-storage-verify-tls); off only for self-signed on-premises stores',
    ),
});
type Spec = z.output<typeof pgbackrestFormatSpec>;

interface InfoBackup {
  label: string;
  type: string;
  error?: boolean;
  archive: { start: string; stop: string };
  timestamp: { start: number; stop: number };
  info: { size: number; repository: { size: number; delta: number } };
}
interface Info {
  archive: { id: string; min: string | null; max: string | null }[];
  backup: InfoBackup[];
  status: { code: number; message: string };
}

/**
 * An existing pgBackRest repository in the bucket (source.objectStore.prefix is its repo1-path). Checks
 * before restoring: `pgbackrest verify` (which exits 0 even when it finds damage, so its report is read) and
 * WAL continuity from the backup to the newest archived segment, from the repository listing. The restore is
 * `pgbackrest restore --set=<label>` with the target; pgBackRest's own archive-get replays the WAL.
 */
export const pgbackrestFormat = defineFormat<Spec>({
  title: 'pgBackRest repository',
  pitr: true,
  initdb: false,
  async prerequisites(env) {
    const support = await env.pgbackrestSupport();
    if (!support.ok) throw new DrillError('missing-prerequisite', `source.format pgbackrest: ${support.reason}`);
  },
  validate(_spec, scenario) {
    const endpoint = scenario.source.objectStore.endpoint;
    return endpoint?.startsWith('http:') ? ['pgBackRest reads S3 only over https: source.objectStore.endpoint'] : [];
  },
  async list(source, spec) {
    const info = await readInfo(source, spec, '/tmp');
    const newest = info.archive[0]?.max ?? undefined;
    return info.backup.map((b): ListedBackup => ({
      id: b.label,
      time: new Date(b.timestamp.stop * 1000).toISOString(),
      bytes: b.info.repository.size,
      objects: [`backup/${spec.stanza}/${b.label}/`],
      wal: { start: b.archive.start, end: b.archive.stop, ...(newest ? { newest } : {}) },
    }));
  },
  open(ctx, spec, backup) {
    let conf: string | undefined;
    const config = async () => (conf ??= await writeConfig(ctx.source, spec, ctx.instance.dataDir));
    return {
      // The manifest first: pgbackrest verify runs before a single file is restored (pgbackrest restore retries a
      // damaged file and then fails without naming it).
      async fetch() {
        const key = `backup/${spec.stanza}/${backup.id}/backup.manifest`;
        const manifest = (await ctx.source.store.getBuffer(key)).toString('utf8');
        const files = (manifest.match(/^pg_data\/[^=]*=/gm) ?? []).length;
        ctx.recorder.event('fetch', `${objectUrl(ctx, key)}: ${files} files, ${backup.bytes} bytes in the repository`);
        return { bytes: backup.bytes };
      },
      async integrity() {
        const r = await run(ctx.source, spec, await config(), ['verify', '--output=text', '--verbose']);
        const output = redact(r.stdout + r.stderr);
        await ctx.saveArtifact('pgbackrest-verify.txt', output, 'pgbackrest verify --output=text --verbose');
        const repo = ctx.source.store.prefix;
        const named = [...output.matchAll(/(invalid checksum|missing|invalid size|other)[^']*'([^']+)'/g)].map(
          (m) => `${m[1]} s3://${ctx.source.store.bucket}/${repo}backup/${spec.stanza}/${m[2]}`,
        );
        const error = r.code !== 0 || /status: error/.test(output);
        ctx.recorder.check({
          name: `pgbackrest verify of stanza ${spec.stanza}`,
          status: error ? 'failed' : 'passed',
          ...(error
            ? {
                message: named.length
                  ? named.join('; ')
                  : output
                      .split('\n')
                      .filter((l) => /error|invalid|missing/i.test(l))
                      .slice(0, 4)
                      .join(' | '),
              }
            : {}),
          evidence: {
            command: 'pgbackrest verify --output=text --verbose',
            expected: 'status: ok',
            output: output.slice(-4000),
          },
        });
        if (error) throw new DrillError('failed', `pgbackrest verify found damage: ${named[0] ?? lastLines(r)}`);
        // pgBackRest's verify may not see the archive on every S3 implementation: the listing decides continuity.
        const info = await readInfo(ctx.source, spec, ctx.instance.dataDir, await config());
        const archiveId = info.archive[0]?.id;
        if (!archiveId || !backup.wal) throw new DrillError('failed', `stanza ${spec.stanza} has no WAL archive`);
        const dir = `archive/${spec.stanza}/${archiveId}/`;
        const archived = (await ctx.source.store.list(dir))
          .map((o) => ({
            name: posix.basename(o.key).slice(0, 24),
            key: o.key,
            ...(o.lastModified ? { lastModified: o.lastModified } : {}),
          }))
          .filter((s) => isSegmentName(s.name) && /^[0-9A-F]{24}-[0-9a-f]{40}/.test(posix.basename(s.key)));
        checkWalContinuity(ctx, archived, backup.wal.start, backup.wal.end, (s) =>
          objectUrl(ctx, `${dir}${s.slice(0, 16)}/${s}-<sha1>`),
        );
      },
      async restore() {
        const r = await run(ctx.source, spec, await config(), [
          'restore',
          `--set=${backup.id}`,
          ...targetArgs(ctx.scenario.target),
        ]);
        await ctx.saveArtifact('pgbackrest-restore.txt', r.stdout + r.stderr, 'pgbackrest restore');
        if (r.code !== 0)
          throw new DrillError('failed', `pgbackrest restore --set=${backup.id} failed: ${lastLines(r)}`);
        // pgbackrest restore wrote restore_command (archive-get), the target and recovery.signal.
        await ctx.instance.adoptDataDirectory({ archive_mode: 'off' });
      },
      replay: async () => {
        const newest = (await readInfo(ctx.source, spec, ctx.instance.dataDir, await config())).archive[0]?.max;
        const r = await replayUntilPromoted(ctx, ctx.instance, newest ?? undefined);
        return {
          ...r,
          description: `pgbackrest restore --set=${backup.id} to ${describeTarget(ctx.scenario.target)}; ${r.description}`,
        };
      },
    };
  },
});

function targetArgs(target: RestoreTarget): string[] {
  switch (target.type) {
    case 'end-of-archive':
      return [];
    case 'immediate':
      return ['--type=immediate', '--target-action=promote'];
    default:
      return [`--type=${target.type}`, `--target=${target.value}`, '--target-action=promote'];
  }
}

async function readInfo(source: SourceAccess, spec: Spec, pgPath: string, conf?: string): Promise<Info> {
  const r = await run(source, spec, conf ?? (await writeConfig(source, spec, pgPath)), ['info', '--output=json']);
  if (r.code !== 0) throw new DrillError('failed', `pgbackrest info for stanza ${spec.stanza} failed: ${lastLines(r)}`);
  const info = (JSON.parse(r.stdout) as Info[])[0];
  if (!info || info.status.code !== 0)
    throw new DrillError('failed', `pgbackrest info: stanza ${spec.stanza}: ${info?.status.message ?? 'not found'}`);
  return info;
}

function run(source: SourceAccess, spec: Spec, conf: string, args: string[]): Promise<ToolResult> {
  return source.tools.runTool('pgbackrest', {
    args: [`--config=${conf}`, `--stanza=${spec.stanza}`, ...args],
    allowFailure: true,
  });
}

function lastLines(r: ToolResult): string {
  return redact((r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | '));
}

/** The repository's config in a private file (it holds the credentials), never on a command line. */
async function writeConfig(source: SourceAccess, spec: Spec, pgPath: string): Promise<string> {
  const conn = source.conn;
  const url = new URL(conn.endpointForInstances);
  const dir = posix.dirname(await source.tools.writePrivateFile('pgbackrest-source.conf', ''));
  const lines = [
    '[global]',
    'repo1-type=s3',
    `repo1-path=/${conn.prefix.replace(/\/$/, '')}`,
    `repo1-s3-bucket=${conn.bucket}`,
    `repo1-s3-endpoint=${url.hostname}`,
    `repo1-storage-port=${url.port || 443}`,
    `repo1-s3-region=${conn.region}`,
    `repo1-s3-uri-style=${conn.forcePathStyle ? 'path' : 'host'}`,
    `repo1-s3-key=${conn.accessKeyId}`,
    `repo1-s3-key-secret=${conn.secretAccessKey}`,
    ...(spec.verifyTls ? [] : ['repo1-storage-verify-tls=n']),
    `log-path=${dir}`,
    `lock-path=${dir}`,
    `spool-path=${dir}`,
    'log-level-console=info',
    'log-level-file=off',
    `[${spec.stanza}]`,
    `pg1-path=${pgPath}`,
  ];
  return source.tools.writePrivateFile('pgbackrest-source.conf', lines.join('\n') + '\n');
}
