import { randomBytes } from 'node:crypto';
import { MinioContainer } from '@testcontainers/minio';
import { DrillError } from '../../engine/errors.js';
import { registerSecret } from '../../util/logger.js';
import { resolveObjectStoreSpec } from '../object-store-spec.js';
import type { EnvironmentStartOptions, ObjectStoreConnection } from '../types.js';
import { engineMessage } from './container-shell.js';
import { imageHint } from './images.js';

export const OBJECT_STORE_ALIAS = 'objectstore';

/**
 * The object store of a containerised drill: a MinIO container on the drill's network (reached by the
 * PostgreSQL containers as http://objectstore:9000 and by the harness on its mapped port), or an external S3
 * endpoint that containers can reach.
 */
export async function startObjectStore(
  opts: EnvironmentStartOptions,
  ctx: { image: string; network: string; labels: Record<string, string> },
): Promise<ObjectStoreConnection> {
  const spec = opts.spec.objectStore;
  if (spec.kind === 's3') {
    const conn = resolveObjectStoreSpec(spec, opts.runId, opts.drillName);
    const host = new URL(conn.endpoint).hostname;
    if (/^(127\.|localhost$|\[?::1\]?$)/.test(host))
      throw new DrillError('invalid-config', `environment.objectStore.endpoint ${conn.endpoint} is this machine's loopback address, which containers cannot reach; give an address the containers can reach (for example the host's LAN address)`);
    return conn;
  }
  if (spec.tls) throw new DrillError('missing-prerequisite', 'environment.objectStore.tls: the testcontainers environment runs MinIO over plain HTTP; TLS (needed by pgBackRest) is only available on the native environment');
  const user = `drdrill${randomBytes(3).toString('hex')}`;
  const secret = randomBytes(16).toString('hex');
  registerSecret(secret);
  let started;
  try {
    started = await new MinioContainer(ctx.image)
      .withUsername(user)
      .withPassword(secret)
      .withNetworkMode(ctx.network)
      .withNetworkAliases(OBJECT_STORE_ALIAS)
      .withLabels(ctx.labels)
      .withName(`drdrill-${opts.runId}-objectstore`)
      .withStartupTimeout(60_000)
      .start();
  } catch (err) {
    const message = engineMessage(err);
    if (/pull|manifest|not found|no such image|registry|resolve/i.test(message)) throw new DrillError('missing-prerequisite', `object store: ${imageHint(ctx.image)} (${message})`);
    throw new DrillError('error', `object store container (${ctx.image}) did not start: ${message}`);
  }
  return {
    kind: 'embedded',
    endpoint: `http://${started.getHost()}:${started.getPort()}`,
    endpointForInstances: `http://${OBJECT_STORE_ALIAS}:9000`,
    bucket: `drdrill-${opts.runId}`.toLowerCase().slice(0, 63),
    prefix: '',
    region: 'us-east-1',
    forcePathStyle: true,
    accessKeyId: user,
    secretAccessKey: secret,
  };
}
