import type { EnvironmentSpec } from '../../scenario/schema.js';
import { DRDRILL_VERSION } from '../../engine/version.js';
import { OFFICIAL_MINIO_IMAGE } from '../testcontainers/images.js';

/** The image built from fixtures/images/drdrill/Dockerfile: PostgreSQL, its tools, pgBackRest, node and drdrill. */
export const DEFAULT_DRDRILL_IMAGE = `drdrill/drdrill:${DRDRILL_VERSION}`;

export interface KubeImages {
  postgres: { name: string; source: string };
  objectStore: { name: string; source: string };
}

export function chooseKubeImages(spec: EnvironmentSpec, env: NodeJS.ProcessEnv = process.env): KubeImages {
  const k = spec.kubernetes?.images;
  return {
    postgres: k?.postgres
      ? { name: k.postgres, source: 'environment.kubernetes.images.postgres' }
      : env.DRDRILL_IMAGE
        ? { name: env.DRDRILL_IMAGE, source: 'DRDRILL_IMAGE' }
        : { name: DEFAULT_DRDRILL_IMAGE, source: 'default (fixtures/images/drdrill/Dockerfile)' },
    objectStore: k?.objectStore
      ? { name: k.objectStore, source: 'environment.kubernetes.images.objectStore' }
      : { name: OFFICIAL_MINIO_IMAGE, source: 'default (pinned minio/minio release)' },
  };
}
