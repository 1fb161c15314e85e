import { DrillError } from '../../engine/errors.js';
import type { EnvironmentSpec } from '../../scenario/schema.js';
import { engineMessage, type Dockerode } from './container-shell.js';

/** Images built locally by fixtures/images/build-all.sh, for machines with no registry. */
export const LOCAL_POSTGRES_REPO = 'localhost/drdrill/postgres';
export const LOCAL_OBJECT_STORE_IMAGE = 'localhost/drdrill/minio:s3rver';
export const DEFAULT_POSTGRES_MAJOR = '17';
/** The official MinIO image, pinned so a drill does not change under a user between two quarters. */
export const OFFICIAL_MINIO_IMAGE = 'minio/minio:RELEASE.2025-04-22T22-12-26Z';
const PULL_TIMEOUT_MS = 10 * 60_000;

export interface ResolvedImages {
  postgres: { name: string; source: string };
  objectStore: { name: string; source: string };
}

/**
 * Which images a drill runs, in order of precedence: the scenario (environment.images), the environment
 * variables DRDRILL_POSTGRES_IMAGE / DRDRILL_OBJECT_STORE_IMAGE, images built locally by
 * fixtures/images/build-all.sh (`localTags`), then the official `postgres:<major>` and `minio/minio` images.
 */
export function chooseImages(
  spec: EnvironmentSpec,
  localTags: string[],
  env: NodeJS.ProcessEnv = process.env,
): ResolvedImages {
  const major = spec.postgres.version;
  const localPg = major
    ? localTags.find((t) => t === `${LOCAL_POSTGRES_REPO}:${major}`)
    : localTags
        .filter((t) => t.startsWith(`${LOCAL_POSTGRES_REPO}:`))
        .sort((a, b) => Number(a.split(':')[1]) - Number(b.split(':')[1]))
        .at(-1);
  const postgres = spec.images?.postgres
    ? { name: spec.images.postgres, source: 'environment.images.postgres' }
    : env.DRDRILL_POSTGRES_IMAGE
      ? { name: env.DRDRILL_POSTGRES_IMAGE, source: 'DRDRILL_POSTGRES_IMAGE' }
      : localPg
        ? { name: localPg, source: 'built locally (fixtures/images/build-postgres.sh)' }
        : { name: `postgres:${major ?? DEFAULT_POSTGRES_MAJOR}`, source: 'official image' };
  const objectStore = spec.images?.objectStore
    ? { name: spec.images.objectStore, source: 'environment.images.objectStore' }
    : env.DRDRILL_OBJECT_STORE_IMAGE
      ? { name: env.DRDRILL_OBJECT_STORE_IMAGE, source: 'DRDRILL_OBJECT_STORE_IMAGE' }
      : localTags.includes(LOCAL_OBJECT_STORE_IMAGE)
        ? { name: LOCAL_OBJECT_STORE_IMAGE, source: 'built locally (fixtures/images/build-s3.sh)' }
        : { name: OFFICIAL_MINIO_IMAGE, source: 'official image' };
  return { postgres, objectStore };
}

export async function resolveImages(docker: Dockerode, spec: EnvironmentSpec): Promise<ResolvedImages> {
  const images = await docker.listImages().catch(() => []);
  return chooseImages(
    spec,
    images.flatMap((i) => i.RepoTags ?? []).filter((t) => t.startsWith('localhost/drdrill/')),
  );
}

/** Present locally, or pulled now: before any work, so a missing image stops the run with exit code 3. */
export async function ensureImage(docker: Dockerode, image: string, what: string): Promise<void> {
  if (
    await docker
      .getImage(image)
      .inspect()
      .then(
        () => true,
        () => false,
      )
  )
    return;
  try {
    const stream = await docker.pull(image);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no progress within ${PULL_TIMEOUT_MS / 60_000} min`)),
        PULL_TIMEOUT_MS,
      );
      docker.modem.followProgress(stream, (err: Error | null, events: { error?: string }[]) => {
        clearTimeout(timer);
        const failed = err ?? events.find((e) => e.error)?.error;
        if (failed) reject(failed instanceof Error ? failed : new Error(failed));
        else resolve();
      });
    });
  } catch (err) {
    throw new DrillError('missing-prerequisite', `${what}: ${imageHint(image)} (${engineMessage(err)})`);
  }
}

/** A container that did not start; a missing image is said in terms of what to do about it. */
export function containerStartError(err: unknown, what: string, image: string): DrillError {
  const message = engineMessage(err);
  if (/pull|manifest|not found|no such image|registry|resolve/i.test(message))
    return new DrillError('missing-prerequisite', `${what}: ${imageHint(image)} (${message})`);
  return new DrillError('error', `${what} (${image}) did not start: ${message}`);
}

/** A pull failure, said in terms of what to do about it. */
export function imageHint(image: string): string {
  return (
    `image ${image} is not available and could not be pulled; with no registry, build local images with ` +
    `"bash fixtures/images/build-all.sh" (after fixtures/podman/setup.sh), or name one with environment.images or ` +
    `DRDRILL_POSTGRES_IMAGE / DRDRILL_OBJECT_STORE_IMAGE`
  );
}
