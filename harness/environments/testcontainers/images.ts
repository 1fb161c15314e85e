import type { EnvironmentSpec } from '../../scenario/schema.js';
import type { Dockerode } from './container-shell.js';

/** Images built locally by fixtures/images/build-all.sh, for machines with no registry. */
export const LOCAL_POSTGRES_REPO = 'localhost/drdrill/postgres';
export const LOCAL_OBJECT_STORE_IMAGE = 'localhost/drdrill/minio:s3rver';
export const DEFAULT_POSTGRES_MAJOR = '17';
/** The official MinIO image, pinned so a drill does not change under a user between two quarters. */
export const OFFICIAL_MINIO_IMAGE = 'minio/minio:RELEASE.2025-04-22T22-12-26Z';

export interface ResolvedImages {
  postgres: { name: string; source: string };
  objectStore: { name: string; source: string };
}

/**
 * Which images a drill runs, in order of precedence: the scenario (environment.images), the environment
 * variables DRDRILL_POSTGRES_IMAGE / DRDRILL_OBJECT_STORE_IMAGE, images built locally by
 * fixtures/images/build-all.sh, then the official `postgres:<major>` and `minio/minio` images.
 */
export async function resolveImages(docker: Dockerode, spec: EnvironmentSpec): Promise<ResolvedImages> {
  const local = await localImages(docker);
  const major = spec.postgres.version;
  const localPg = major ? local.find((t) => t === `${LOCAL_POSTGRES_REPO}:${major}`) : local.filter((t) => t.startsWith(`${LOCAL_POSTGRES_REPO}:`)).sort().at(-1);
  const postgres = spec.images?.postgres
    ? { name: spec.images.postgres, source: 'environment.images.postgres' }
    : process.env.DRDRILL_POSTGRES_IMAGE
      ? { name: process.env.DRDRILL_POSTGRES_IMAGE, source: 'DRDRILL_POSTGRES_IMAGE' }
      : localPg
        ? { name: localPg, source: 'built locally (fixtures/images/build-postgres.sh)' }
        : { name: `postgres:${major ?? DEFAULT_POSTGRES_MAJOR}`, source: 'official image' };
  const objectStore = spec.images?.objectStore
    ? { name: spec.images.objectStore, source: 'environment.images.objectStore' }
    : process.env.DRDRILL_OBJECT_STORE_IMAGE
      ? { name: process.env.DRDRILL_OBJECT_STORE_IMAGE, source: 'DRDRILL_OBJECT_STORE_IMAGE' }
      : local.includes(LOCAL_OBJECT_STORE_IMAGE)
        ? { name: LOCAL_OBJECT_STORE_IMAGE, source: 'built locally (fixtures/images/build-s3.sh)' }
        : { name: OFFICIAL_MINIO_IMAGE, source: 'official image' };
  return { postgres, objectStore };
}

async function localImages(docker: Dockerode): Promise<string[]> {
  const images = await docker.listImages().catch(() => []);
  return images.flatMap((i) => i.RepoTags ?? []).filter((t) => t.startsWith('localhost/drdrill/'));
}

/** A pull failure, said in terms of what to do about it. */
export function imageHint(image: string): string {
  return `image ${image} is not available and could not be pulled; with no registry, build local images with ` +
    `"bash fixtures/images/build-all.sh" (after fixtures/podman/setup.sh), or name one with environment.images or ` +
    `DRDRILL_POSTGRES_IMAGE / DRDRILL_OBJECT_STORE_IMAGE`;
}
