import { accessSync, constants } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { DrillError, errorMessage } from '../../engine/errors.js';
import type { Logger } from '../../util/logger.js';
import { packageRoot } from '../../util/paths.js';
import { runProcess } from '../../util/process.js';
import { sleep } from '../../util/retry.js';
import type { KubeObject } from './cluster.js';
import { connectCluster } from './connect.js';

export const KIND_VERSION = 'v0.29.0';
export const KIND_DIR = join(packageRoot(), 'fixtures', 'kubernetes', 'kind');
const READY_MS = 300_000;

/** The first executable of that name on PATH. */
export function onPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** kind and the container engine it will use; says exactly what to install when one is missing. */
export function kindPrerequisites(env: NodeJS.ProcessEnv = process.env): {
  kind: string;
  env: NodeJS.ProcessEnv;
  engine: string;
} {
  const kind = onPath('kind', env.PATH);
  if (!kind) {
    const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
    throw new DrillError(
      'missing-prerequisite',
      `"kind" is not on PATH; install it: curl -Lo /usr/local/bin/kind https://kind.sigs.k8s.io/dl/${KIND_VERSION}/kind-linux-${arch} && chmod +x /usr/local/bin/kind ` +
        `(or: go install sigs.k8s.io/kind@${KIND_VERSION}); see https://kind.sigs.k8s.io/docs/user/quick-start/#installation`,
    );
  }
  const wanted = env.KIND_EXPERIMENTAL_PROVIDER;
  if (wanted && !onPath(wanted, env.PATH))
    throw new DrillError(
      'missing-prerequisite',
      `KIND_EXPERIMENTAL_PROVIDER=${wanted}, but "${wanted}" is not on PATH`,
    );
  if (wanted) return { kind, env, engine: wanted };
  if (onPath('docker', env.PATH)) return { kind, env, engine: 'docker' };
  if (onPath('podman', env.PATH))
    return { kind, env: { ...env, KIND_EXPERIMENTAL_PROVIDER: 'podman' }, engine: 'podman' };
  throw new DrillError(
    'missing-prerequisite',
    'kind runs its nodes as containers, and neither "docker" nor "podman" is on PATH; install one: ' +
      'apt-get install podman (drdrill then runs kind with KIND_EXPERIMENTAL_PROVIDER=podman), or Docker Engine (https://docs.docker.com/engine/install/)',
  );
}

export interface KindOptions {
  name: string;
  addons: boolean;
  logger: Logger;
  say(line: string): void;
}

/**
 * Creates the cluster (unless it exists), then applies the storage addons: csi-driver-host-path, the
 * VolumeSnapshot CRDs and controller, an expandable StorageClass and a default VolumeSnapshotClass.
 */
export async function kindUp(o: KindOptions): Promise<void> {
  const { kind, env, engine } = kindPrerequisites();
  const existing = await runProcess(kind, ['get', 'clusters'], { env });
  if (existing.stdout.split('\n').includes(o.name)) o.say(`kind cluster "${o.name}" exists`);
  else {
    o.say(`creating kind cluster "${o.name}" (${engine})…`);
    await runProcess(
      kind,
      ['create', 'cluster', '--name', o.name, '--config', join(KIND_DIR, 'cluster.yaml'), '--wait', '120s'],
      {
        env,
        timeoutMs: 600_000,
      },
    );
  }
  const context = `kind-${o.name}`;
  if (o.addons) await applyAddons(context, o);
  o.say(
    `context "${context}" is ready${o.addons ? ': StorageClass drdrill-hostpath (expandable), VolumeSnapshotClass drdrill-hostpath-snapclass (default)' : ''}`,
  );
  o.say(
    `next: build the drdrill image and load it, e.g. podman build -t drdrill/drdrill:latest -f fixtures/images/drdrill/Dockerfile . && ` +
      `podman save drdrill/drdrill:latest -o /tmp/drdrill.tar && kind load image-archive /tmp/drdrill.tar --name ${o.name}; ` +
      `then DRDRILL_KUBE_CONTEXT=${context} DRDRILL_IMAGE=drdrill/drdrill:latest drdrill run scenarios/accidental-delete.yaml --env kubernetes`,
  );
}

export async function kindDown(o: Pick<KindOptions, 'name' | 'say'>): Promise<void> {
  const { kind, env } = kindPrerequisites();
  await runProcess(kind, ['delete', 'cluster', '--name', o.name], { env, timeoutMs: 300_000 });
  o.say(`kind cluster "${o.name}" deleted`);
}

async function applyAddons(context: string, o: KindOptions): Promise<void> {
  const cluster = await connectCluster({ context, logger: o.logger, timeoutMs: 10_000 });
  try {
    const sources = parse(await readFile(join(KIND_DIR, 'addons.yaml'), 'utf8')) as string[];
    for (const source of sources) {
      const text = /^https?:/.test(source) ? await download(source) : await readFile(join(KIND_DIR, source), 'utf8');
      const docs = parseAllDocuments(text)
        .map((d) => d.toJS() as KubeObject | null)
        .filter((d): d is KubeObject => !!d?.kind);
      for (const doc of docs) await applyWhenServed(() => cluster.apply(doc), `${doc.kind} ${doc.metadata.name}`);
      o.say(`applied ${source.split('/').slice(-2).join('/')} (${docs.length} objects)`);
    }
    await cluster.watchUntil(
      { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: 'default', name: 'csi-hostpathplugin' },
      (s) => ((s?.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0) >= 1,
      { timeoutMs: READY_MS, what: 'csi-hostpathplugin ready' },
    );
  } finally {
    await cluster.close();
  }
}

async function download(url: string): Promise<string> {
  try {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    return await r.text();
  } catch (err) {
    throw new DrillError(
      'missing-prerequisite',
      `cannot download ${url}: ${errorMessage(err)} (kind up needs network access to fetch the storage addons; --no-addons skips them)`,
    );
  }
}

/** Custom resources are served a moment after their CRD is created. */
async function applyWhenServed(apply: () => Promise<unknown>, what: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await apply();
      return;
    } catch (err) {
      if (i >= 30 || !/Unrecognized API version|resource metadata|404/.test(errorMessage(err)))
        throw new DrillError('error', `applying ${what}: ${errorMessage(err)}`);
      await sleep(1000);
    }
  }
}
