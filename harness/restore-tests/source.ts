import type { ObjectStoreConnection } from '../environments/types.js';
import { DrillError } from '../engine/errors.js';
import { ObjectStore } from '../objectstore/client.js';
import type { ObjectStoreSpec } from '../scenario/schema.js';
import { registerSecret } from '../util/logger.js';

type S3Spec = Extract<ObjectStoreSpec, { kind: 's3' }>;

/** What a restore test may do with its source bucket: list and read. There is no write method. */
export type ReadOnlyStore = Pick<
  ObjectStore,
  'list' | 'getStream' | 'getBuffer' | 'head' | 'key' | 'rel' | 'bucket' | 'prefix' | 'conn'
> & {
  destroy(): void;
};

const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * The connection to a user's bucket: credentials come from the environment variables the scenario names and
 * are registered as secrets; the prefix is the user's own, with nothing of drdrill's added.
 */
export function sourceConnection(spec: S3Spec, path = 'source.objectStore'): ObjectStoreConnection {
  const read = (field: string, name: string) => {
    const value = process.env[name];
    if (!value) throw new DrillError('missing-prerequisite', `${path}.${field}.env names ${name}, which is not set`);
    registerSecret(value);
    return value;
  };
  return {
    kind: 's3',
    endpoint: spec.endpoint ?? `https://s3.${spec.region}.amazonaws.com`,
    endpointForInstances: spec.endpoint ?? `https://s3.${spec.region}.amazonaws.com`,
    bucket: spec.bucket,
    prefix: spec.prefix ? spec.prefix.replace(/^\/+/, '').replace(/\/?$/, '/') : '',
    region: spec.region,
    forcePathStyle: spec.forcePathStyle,
    accessKeyId: read('accessKeyId', spec.accessKeyId.env),
    secretAccessKey: read('secretAccessKey', spec.secretAccessKey.env),
  };
}

/**
 * A client for the source bucket that can only read: a request with any other method (PUT, POST, DELETE)
 * is refused before it leaves the process. Sources are the user's backups; a restore test never changes them.
 */
export function openSource(conn: ObjectStoreConnection): ReadOnlyStore {
  const store = new ObjectStore(conn);
  store.client.middlewareStack.add(
    (next) => async (args) => {
      const method = (args.request as { method?: string }).method ?? '';
      if (!READ_METHODS.has(method.toUpperCase()))
        throw new DrillError(
          'error',
          `refusing to send ${method} to the source bucket ${conn.bucket}: sources are read-only`,
        );
      return next(args);
    },
    { step: 'finalizeRequest', name: 'drdrillReadOnlySource' },
  );
  return store;
}
