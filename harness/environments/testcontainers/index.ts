import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { getContainerRuntimeClient, type ContainerRuntimeClient } from 'testcontainers';
import { DrillError } from '../../engine/errors.js';
import { registerSecret } from '../../util/logger.js';
import type { EnvironmentSpec } from '../../scenario/schema.js';
import { walToolPath } from '../wal-tool.js';
import type {
  EnvironmentProvider,
  EnvironmentStartOptions,
  InstanceSpec,
  ObjectStoreConnection,
  PgInstance,
  StartedEnvironment,
} from '../types.js';
import { engineMessage, type Dockerode } from './container-shell.js';
import { ContainerInstance, type ContainerInstanceDeps } from './container-instance.js';
import { ensureImage, resolveImages, type ResolvedImages } from './images.js';
import { collectGarbage, drillLabels, INSTANCE_LABEL } from './labels.js';
import { checkReachableFromContainers, startObjectStore } from './object-store.js';

const ENGINE_TIMEOUT_MS = 20_000;

export const testcontainersProvider: EnvironmentProvider = {
  kind: 'testcontainers',
  async checkPrerequisites(spec: EnvironmentSpec) {
    walToolPath();
    checkReachableFromContainers(spec.objectStore);
    const docker = (await containerEngine()).container.dockerode;
    const images = await resolveImages(docker, spec);
    await ensureImage(docker, images.postgres.name, 'postgres');
    if (spec.objectStore.kind === 'embedded') await ensureImage(docker, images.objectStore.name, 'object store');
  },
  async start(opts) {
    return TestcontainersEnvironment.start(opts);
  },
};

/** The container engine testcontainers finds (DOCKER_HOST, the Docker socket, ~/.testcontainers.properties). */
export async function containerEngine(): Promise<ContainerRuntimeClient> {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`no answer within ${ENGINE_TIMEOUT_MS / 1000} s`)), ENGINE_TIMEOUT_MS).unref(),
  );
  try {
    return await Promise.race([getContainerRuntimeClient(), timeout]);
  } catch (err) {
    throw new DrillError(
      'missing-prerequisite',
      `environment "testcontainers" needs a container engine, and none is reachable (${engineMessage(err)}); ` +
        `start Docker, or set DOCKER_HOST to a Docker-compatible socket; on Debian/Ubuntu without Docker, as root: ` +
        `eval "$(bash fixtures/podman/setup.sh)" && bash fixtures/images/build-all.sh`,
    );
  }
}

class TestcontainersEnvironment implements StartedEnvironment {
  readonly kind = 'testcontainers' as const;
  private readonly _instances: ContainerInstance[] = [];

  private constructor(
    private readonly _opts: EnvironmentStartOptions,
    private readonly _engine: ContainerRuntimeClient,
    private readonly _docker: Dockerode,
    private readonly _network: string,
    private readonly _images: ResolvedImages,
    private readonly _password: string,
    readonly objectStore: ObjectStoreConnection,
    private readonly _creating: Creations,
    /** What every PostgreSQL container gets: read once, copied into each. */
    private readonly _instanceFiles: Pick<ContainerInstanceDeps, 'walTool' | 'objectStoreCa'>,
  ) {}

  get workDir(): string {
    return this._opts.workDir;
  }

  static async start(opts: EnvironmentStartOptions): Promise<TestcontainersEnvironment> {
    // Ryuk would remove kept containers when drdrill exits; drdrill removes its own containers at teardown.
    if (opts.keep) process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
    const engine = await containerEngine();
    const docker = engine.container.dockerode;
    await mkdir(opts.workDir, { recursive: true });
    if (!opts.keep) opts.onTeardown(`remove ${opts.workDir}`, () => rm(opts.workDir, { recursive: true, force: true }));
    const labels = drillLabels(opts.runId, opts.drillName);
    // Registered before anything is created, so it runs last and also catches half-started containers.
    const creating = new Creations();
    opts.onTeardown(`remove containers and network of run ${opts.runId}`, async () => {
      // A Ctrl-C during provisioning: let in-flight creations land first, or they would outlive the cleanup.
      await creating.settled();
      if (opts.keep) {
        opts.logger.warn(
          `--keep: containers of run ${opts.runId} are left running; remove them with "drdrill gc --run ${opts.runId} --all"`,
        );
        return;
      }
      const left = await collectGarbage(docker, { runId: opts.runId, all: true });
      const failed = left.filter((l) => l.status.startsWith('failed'));
      if (failed.length)
        throw new DrillError(
          'error',
          `could not remove ${failed.map((f) => `${f.kind} ${f.name} (${f.status})`).join(', ')}`,
        );
    });
    const images = await resolveImages(docker, opts.spec);
    const network = `drdrill-${opts.runId}`;
    try {
      await docker.createNetwork({ Name: network, Driver: 'bridge', Labels: labels, CheckDuplicate: true });
    } catch (err) {
      throw new DrillError('error', `creating network ${network} failed: ${engineMessage(err)}`);
    }
    const objectStore = await creating.track(
      startObjectStore(opts, { image: images.objectStore.name, network, labels }),
    );
    const password = randomBytes(16).toString('hex');
    registerSecret(password);
    opts.logger.debug(
      `testcontainers: postgres image ${images.postgres.name} (${images.postgres.source}), object store ${images.objectStore.name} (${images.objectStore.source})`,
    );
    const instanceFiles = {
      walTool: {
        script: await readFile(walToolPath()),
        config: JSON.stringify(
          {
            ...objectStore,
            endpoint: objectStore.endpointForInstances,
            ...(objectStore.caCertFileForInstances ? { caCertFile: objectStore.caCertFileForInstances } : {}),
          },
          null,
          2,
        ),
      },
      ...(objectStore.caCertFile && objectStore.caCertFileForInstances
        ? {
            objectStoreCa: {
              path: objectStore.caCertFileForInstances,
              pem: await readFile(objectStore.caCertFile, 'utf8'),
            },
          }
        : {}),
    };
    return new TestcontainersEnvironment(
      opts,
      engine,
      docker,
      network,
      images,
      password,
      objectStore,
      creating,
      instanceFiles,
    );
  }

  async createInstance(spec: InstanceSpec): Promise<PgInstance> {
    if (this._instances.some((i) => i.name === spec.name))
      throw new DrillError('error', `instance ${spec.name} already exists`);
    const instance = new ContainerInstance(spec.name, {
      docker: this._docker,
      image: this._images.postgres.name,
      network: this._network,
      labels: { ...drillLabels(this._opts.runId, this._opts.drillName), [INSTANCE_LABEL]: spec.name },
      containerName: `drdrill-${this._opts.runId}-${spec.name}`,
      password: this._password,
      hostDir: join(this.workDir, 'instances', spec.name),
      ...this._instanceFiles,
      hostNode: process.execPath,
      logger: this._opts.logger.child(spec.name),
    });
    this._opts.onTeardown(`close ${spec.name}`, () => instance.close());
    await this._creating.track(instance.create(spec));
    this._instances.push(instance);
    return instance;
  }

  async objectStoreLog(): Promise<string> {
    if (this._opts.spec.objectStore.kind !== 'embedded') return '';
    const raw = await this._docker
      .getContainer(`drdrill-${this._opts.runId}-objectstore`)
      .logs({ stdout: true, stderr: true, follow: false, tail: 20_000 });
    return demuxLogs(raw);
  }

  async toolVersions(): Promise<Record<string, string>> {
    const out: Record<string, string> = {
      'image.postgres': `${this._images.postgres.name} (${this._images.postgres.source})`,
      'image.objectStore': `${this._images.objectStore.name} (${this._images.objectStore.source})`,
      engine: await this._engineVersion(),
      node: process.version,
    };
    const probe = this._instances.find((i) => i.name === 'primary') ?? this._instances[0];
    if (!probe) return out;
    const tools = ['postgres', 'pg_basebackup', 'pg_dump', 'pg_verifybackup', 'pg_amcheck', 'pg_checksums'];
    // One exec for all of them: a line per tool, empty when it is missing.
    const r = await probe
      .shellAsPostgres(`for t in ${tools.join(' ')}; do "$t" --version 2>/dev/null || echo; done`)
      .catch(() => undefined);
    const lines = r?.stdout.split('\n') ?? [];
    tools.forEach((tool, i) => (out[tool] = lines[i]?.trim() || 'not found'));
    return out;
  }

  private async _engineVersion(): Promise<string> {
    try {
      const v = await this._docker.version();
      const podman = v.Components?.find((c) => /podman/i.test(c.Name));
      return podman
        ? `Podman ${podman.Version} (Docker API ${v.ApiVersion})`
        : `Docker ${v.Version} (API ${v.ApiVersion})`;
    } catch {
      return this._engine.info.containerRuntime.host;
    }
  }

  async volumeSupport(): Promise<{ ok: true } | { ok: false; reason: string }> {
    return { ok: true };
  }

  /** pgBackRest runs inside the PostgreSQL containers: the image must have it (the official image does not). */
  async pgbackrestSupport(): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
    const probe = this._instances[0];
    const r = probe ? await probe.runTool('pgbackrest', { args: ['version'], allowFailure: true }) : undefined;
    if (r?.code === 0) return { ok: true, version: r.stdout.trim() };
    return {
      ok: false,
      reason: `image ${this._images.postgres.name} has no pgbackrest binary; use an image with pgBackRest (fixtures/images/build-postgres.sh adds the host's) via environment.images.postgres`,
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    // Teardown steps were registered with the engine as resources were created.
  }
}

/** Container creations still in flight, so teardown can wait for them (bounded) before removing by label. */
class Creations {
  private readonly _pending = new Set<Promise<unknown>>();

  track<T>(work: Promise<T>): Promise<T> {
    this._pending.add(work);
    const done = () => this._pending.delete(work);
    work.then(done, done);
    return work;
  }

  async settled(timeoutMs = 90_000): Promise<void> {
    if (!this._pending.size) return;
    await Promise.race([
      Promise.allSettled([...this._pending]),
      new Promise((resolve) => setTimeout(resolve, timeoutMs).unref()),
    ]);
  }
}

/** Container logs without a TTY come in frames: 1 byte stream, 3 zero bytes, a 4-byte length, the payload. */
function demuxLogs(raw: Buffer): string {
  const out: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length) {
    const size = raw.readUInt32BE(at + 4);
    out.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(out).toString('utf8');
}
