import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MinioContainer } from '@testcontainers/minio';
import { Wait } from 'testcontainers';
import { DrillError } from '../../engine/errors.js';
import type { ObjectStoreSpec } from '../../scenario/schema.js';
import { registerSecret } from '../../util/logger.js';
import { resolveObjectStoreSpec } from '../object-store-spec.js';
import { makeSelfSignedCert } from '../self-signed-cert.js';
import type { EnvironmentStartOptions, ObjectStoreConnection } from '../types.js';
import { containerStartError } from './images.js';

export const OBJECT_STORE_ALIAS = 'objectstore';
const MINIO_CERTS_DIR = '/root/.minio/certs';
/** Where every PostgreSQL container finds the object store's CA. */
export const INSTANCE_CA_FILE = '/drdrill/object-store-ca.pem';

/** An external endpoint on this machine's loopback address is not the containers' loopback. */
export function checkReachableFromContainers(spec: ObjectStoreSpec): void {
  if (spec.kind !== 's3' || !spec.endpoint) return;
  const host = new URL(spec.endpoint).hostname;
  if (/^(127\.|localhost$|\[?::1\]?$)/.test(host))
    throw new DrillError(
      'invalid-config',
      `environment.objectStore.endpoint ${spec.endpoint} is this machine's loopback address, which containers cannot reach; give an address they can reach (for example the host's LAN address)`,
    );
}

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
  // An external endpoint was checked with checkReachableFromContainers before any work.
  if (spec.kind === 's3') return resolveObjectStoreSpec(spec, opts.runId, opts.drillName);
  const user = `drdrill${randomBytes(3).toString('hex')}`;
  const secret = randomBytes(16).toString('hex');
  registerSecret(secret);
  // MinIO serves HTTPS when it finds a key pair in its certs directory; the certificate names the alias.
  const tls = spec.tls ? await makeSelfSignedCert(join(opts.workDir, 'tls'), [OBJECT_STORE_ALIAS]) : undefined;
  let container = new MinioContainer(ctx.image);
  if (tls) {
    container = container
      .withCopyContentToContainer([
        { content: await readFile(tls.cert, 'utf8'), target: `${MINIO_CERTS_DIR}/public.crt` },
        { content: await readFile(tls.key, 'utf8'), target: `${MINIO_CERTS_DIR}/private.key` },
      ])
      .withWaitStrategy(Wait.forHttp('/minio/health/live', 9000).usingTls().allowInsecure());
  }
  const started = await container
    .withUsername(user)
    .withPassword(secret)
    .withNetworkMode(ctx.network)
    .withNetworkAliases(OBJECT_STORE_ALIAS)
    .withLabels(ctx.labels)
    .withName(`drdrill-${opts.runId}-objectstore`)
    .withStartupTimeout(60_000)
    .start()
    .catch((err: unknown) => {
      throw containerStartError(err, 'object store container', ctx.image);
    });
  const scheme = tls ? 'https' : 'http';
  return {
    kind: 'embedded',
    endpoint: `${scheme}://${started.getHost()}:${started.getPort()}`,
    endpointForInstances: `${scheme}://${OBJECT_STORE_ALIAS}:9000`,
    bucket: `drdrill-${opts.runId}`.toLowerCase().slice(0, 63),
    prefix: '',
    region: 'us-east-1',
    forcePathStyle: true,
    accessKeyId: user,
    secretAccessKey: secret,
    ...(tls ? { caCertFile: tls.cert, caCertFileForInstances: INSTANCE_CA_FILE } : {}),
  };
}
