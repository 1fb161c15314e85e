import { posix } from 'node:path';
import { DrillError } from '../engine/errors.js';
import type { Drill } from '../engine/context.js';
import type { BackupRecord } from '../engine/journal.js';
import type { PgInstance, StartedEnvironment } from '../environments/types.js';
import { z } from 'zod';
import { defineBackup } from './types.js';

export const PGBACKREST_STANZA = 'drill';

/**
 * pgBackRest on the same object store (it speaks only HTTPS to S3: the embedded store runs with a
 * self-signed certificate). Its config, with the credentials, lives in a private file, never on a command line.
 */
export const pgbackrestSpec = z.strictObject({
  method: z.literal('pgbackrest'),
  type: z.enum(['full', 'diff', 'incr']).default('full'),
});

export const pgbackrest = defineBackup<z.output<typeof pgbackrestSpec>>({
  validate(_spec, scenario) {
    const store = scenario.environment.objectStore;
    if (store.kind === 'embedded' && !store.tls)
      return ['pgBackRest needs TLS to S3: set environment.objectStore: { kind: embedded, tls: true }'];
    if (store.kind === 's3' && store.endpoint?.startsWith('http:')) return ['pgBackRest needs an https:// S3 endpoint'];
    return [];
  },
  async instanceSettings(_spec, env, instance): Promise<Record<string, string>> {
    const conf = await writePgbackrestConfig(env, instance);
    return {
      archive_mode: 'on',
      archive_command: `pgbackrest --config=${conf} --stanza=${PGBACKREST_STANZA} archive-push %p`,
    };
  },
  async prepare(drill) {
    await pgbackrestRun(drill, drill.primary, ['stanza-create']);
  },
  async take(drill, spec) {
    const startedAt = new Date();
    await pgbackrestRun(drill, drill.primary, ['backup', `--type=${spec.type}`]);
    const info = JSON.parse(
      (await pgbackrestRun(drill, drill.primary, ['info', '--output=json'])).stdout,
    ) as PgbackrestInfo[];
    const backup = info[0]?.backup.at(-1);
    if (!backup) throw new DrillError('error', 'pgbackrest info lists no backup after "pgbackrest backup"');
    const record: BackupRecord = {
      id: backup.label,
      method: 'pgbackrest',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date(backup.timestamp.stop * 1000).toISOString(),
      bytes: backup.info.repository.delta,
      objects: [],
      startLsn: backup.lsn.start,
      stopLsn: backup.lsn.stop,
      label: `${backup.type} backup ${backup.label} (${backup.info.size} bytes in the cluster)`,
    };
    return [record];
  },
});

interface PgbackrestInfo {
  backup: {
    label: string;
    type: string;
    timestamp: { start: number; stop: number };
    lsn: { start: string; stop: string };
    info: { size: number; repository: { delta: number } };
  }[];
}

/** The pgbackrest config for an instance, written to a private file; returns its path. */
export async function writePgbackrestConfig(env: StartedEnvironment, instance: PgInstance): Promise<string> {
  const support = await env.pgbackrestSupport();
  if (!support.ok) throw new DrillError('missing-prerequisite', `backup method "pgbackrest": ${support.reason}`);
  const store = env.objectStore;
  const url = new URL(store.endpointForInstances);
  if (url.protocol !== 'https:')
    throw new DrillError(
      'invalid-config',
      `pgBackRest needs an https:// S3 endpoint, not ${store.endpointForInstances}`,
    );
  // The private directory also holds pgBackRest's lock, log and spool files.
  const dir = posix.dirname(await instance.writePrivateFile('pgbackrest.conf', ''));
  const lines = [
    '[global]',
    'repo1-type=s3',
    `repo1-path=/${store.prefix}pgbackrest`,
    `repo1-s3-bucket=${store.bucket}`,
    // pgBackRest 2.45 matches the certificate by name only: the embedded store's certificate names localhost.
    `repo1-s3-endpoint=${store.kind === 'embedded' && url.hostname === '127.0.0.1' ? 'localhost' : url.hostname}`,
    `repo1-storage-port=${url.port || 443}`,
    `repo1-s3-region=${store.region}`,
    `repo1-s3-uri-style=${store.forcePathStyle ? 'path' : 'host'}`,
    `repo1-s3-key=${store.accessKeyId}`,
    `repo1-s3-key-secret=${store.secretAccessKey}`,
    ...(store.caCertFileForInstances ? [`repo1-storage-ca-file=${store.caCertFileForInstances}`] : []),
    'repo1-retention-full=4',
    `log-path=${dir}`,
    `lock-path=${dir}`,
    `spool-path=${dir}`,
    'log-level-console=info',
    'log-level-file=off',
    'start-fast=y',
    `[${PGBACKREST_STANZA}]`,
    `pg1-path=${instance.dataDir}`,
    // The port the server listens on in its own namespace (a container's, not the one mapped to the host).
    `pg1-port=${instance.peerConnection().port}`,
    `pg1-socket-path=${instance.socketDir}`,
    'pg1-user=postgres',
  ];
  return instance.writePrivateFile('pgbackrest.conf', lines.join('\n') + '\n');
}

export async function pgbackrestRun(drill: Drill, instance: PgInstance, args: string[], conf?: string) {
  const config = conf ?? (await writePgbackrestConfig(drill.env, instance));
  const r = await instance.runTool('pgbackrest', {
    args: [`--config=${config}`, `--stanza=${PGBACKREST_STANZA}`, ...args],
    allowFailure: true,
  });
  await drill.saveArtifact(
    `pgbackrest-${args[0]}-${instance.name}.txt`,
    r.stdout + r.stderr,
    `pgbackrest ${args.join(' ')}`,
  );
  if (r.code !== 0)
    throw new DrillError(
      'failed',
      `pgbackrest ${args.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`,
    );
  return r;
}
