import { DrillError } from '../engine/errors.js';
import { registerSecret } from '../util/logger.js';
import type { ObjectStoreSpec } from '../scenario/schema.js';
import type { ObjectStoreConnection } from './types.js';

/** Resolves an external S3 spec: credentials come from the environment variables it names. */
export function resolveObjectStoreSpec(
  spec: Extract<ObjectStoreSpec, { kind: 's3' }>,
  runId: string,
  drillName: string,
): ObjectStoreConnection {
  const read = (field: string, name: string) => {
    const value = process.env[name];
    if (!value)
      throw new DrillError(
        'missing-prerequisite',
        `environment.objectStore.${field}.env names ${name}, which is not set`,
      );
    registerSecret(value);
    return value;
  };
  const base = spec.prefix ? spec.prefix.replace(/\/?$/, '/') : '';
  return {
    kind: 's3',
    endpoint: spec.endpoint ?? `https://s3.${spec.region}.amazonaws.com`,
    endpointForInstances: spec.endpoint ?? `https://s3.${spec.region}.amazonaws.com`,
    bucket: spec.bucket,
    prefix: `${base}drdrill/${drillName}/${runId}/`,
    region: spec.region,
    forcePathStyle: spec.forcePathStyle,
    accessKeyId: read('accessKeyId', spec.accessKeyId.env),
    secretAccessKey: read('secretAccessKey', spec.secretAccessKey.env),
  };
}
