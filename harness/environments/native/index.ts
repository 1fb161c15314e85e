import { randomBytes } from 'node:crypto';
import { access, chmod, chown, constants, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { DrillError } from '../../engine/errors.js';
import { registerSecret } from '../../util/logger.js';
import { postgresAccount, runProcess } from '../../util/process.js';
import { resolveObjectStoreSpec } from '../object-store-spec.js';
import { WAL_TOOL_FILE, walToolPath } from '../wal-tool.js';
import type {
  EnvironmentProvider,
  EnvironmentStartOptions,
  InstanceSpec,
  ObjectStoreConnection,
  PgInstance,
  StartedEnvironment,
} from '../types.js';
import { startEmbeddedS3, type EmbeddedS3 } from './embedded-s3.js';
import { findPostgresBinDir } from './postgres-binaries.js';
import { NativeInstance } from './native-instance.js';
import { tmpfsSupport } from './tmpfs-volume.js';
import { removeRunLeftovers, removeWorkDir } from './leftovers.js';
import { RunStateFile } from './run-state.js';
import { UserNamespace } from './user-namespace.js';
import { currentChildRegistry } from '../../util/children.js';
import { makeSelfSignedCert } from '../self-signed-cert.js';
import type { EnvironmentSpec } from '../../scenario/schema.js';

const S3_LOG = 's3rver.log';

export const nativeProvider: EnvironmentProvider = {
  kind: 'native',
  async checkPrerequisites(spec: EnvironmentSpec) {
    findPostgresBinDir(spec.postgres.version);
    postgresAccount();
    if (spec.objectStore.kind === 's3') resolveObjectStoreSpec(spec.objectStore, 'check', 'check');
    walToolPath();
  },
  async start(opts) {
    return NativeEnvironment.start(opts);
  },
};

class NativeEnvironment implements StartedEnvironment {
  readonly kind = 'native' as const;
  private readonly _instances: NativeInstance[] = [];

  private constructor(
    private readonly _opts: EnvironmentStartOptions,
    readonly binDir: string,
    readonly objectStore: ObjectStoreConnection,
    private readonly _walTool: { node: string; script: string; config: string },
    private readonly _embedded: EmbeddedStore | undefined,
    private readonly _runState: RunStateFile,
  ) {}

  get workDir(): string {
    return this._opts.workDir;
  }

  static async start(opts: EnvironmentStartOptions): Promise<NativeEnvironment> {
    const binDir = findPostgresBinDir(opts.spec.postgres.version);
    const account = postgresAccount();
    // Registered before the directory exists: a Ctrl-C right after mkdir must not leave it behind.
    if (!opts.keep) opts.onTeardown(`remove ${opts.workDir}`, () => removeWorkDir(opts.workDir));
    await mkdir(opts.workDir, { recursive: true, mode: 0o755 });
    await chmod(opts.workDir, 0o755);
    if (account) {
      const r = await runProcess('/bin/sh', ['-c', 'cd "$1"', 'sh', opts.workDir], {
        uid: account.uid,
        gid: account.gid,
        allowFailure: true,
      });
      if (r.code !== 0) {
        await rm(opts.workDir, { recursive: true, force: true });
        throw new DrillError(
          'missing-prerequisite',
          `the ${account.name} user cannot reach ${opts.workDir} (a parent directory is not traversable); chmod o+x its parents or point DRDRILL_WORK_DIR at a directory under /tmp`,
        );
      }
    }
    const runState = new RunStateFile(opts.workDir, { runId: opts.runId, drill: opts.drillName });
    currentChildRegistry()?.attach(runState);
    // Runs last but one, before the work directory goes: whatever a cut-short phase left (a process whose own
    // teardown was never registered, a mount being made) is stopped and removed first.
    opts.onTeardown('stop and remove what is left of the drill', async () => {
      const failed = (await removeRunLeftovers(runState.state, { removeWorkDir: false })).filter((l) =>
        l.status.startsWith('failed'),
      );
      if (failed.length) throw new Error(failed.map((f) => `${f.name}: ${f.status}`).join('; '));
      // Without --keep the file goes with the work directory, so a crash before that still leaves it for gc.
      if (opts.keep) runState.remove();
    });

    const { connection: objectStore, embedded } = await startObjectStore(opts, runState);
    const walTool = await installWalTool(opts.workDir, objectStore, account);
    return new NativeEnvironment(opts, binDir, objectStore, walTool, embedded, runState);
  }

  async createInstance(spec: InstanceSpec): Promise<PgInstance> {
    if (this._instances.some((i) => i.name === spec.name))
      throw new DrillError('error', `instance ${spec.name} already exists`);
    const instance = new NativeInstance(spec.name, {
      binDir: spec.version ? findPostgresBinDir(spec.version) : this.binDir,
      baseDir: join(this.workDir, 'instances'),
      account: postgresAccount(),
      logger: this._opts.logger.child(spec.name),
      walTool: this._walTool,
      ...(pgbackrestPath() ? { pgbackrestBin: pgbackrestPath()! } : {}),
      onTeardown: this._opts.onTeardown,
      keep: this._opts.keep,
      runState: this._runState,
      userNamespace: () => this._userNamespace(),
    });
    await instance.create(spec);
    this._opts.onTeardown(`stop ${spec.name}`, () => instance.stop('immediate'));
    this._instances.push(instance);
    return instance;
  }

  private _ns?: Promise<UserNamespace>;

  /** One user namespace per drill, started with its first size-limited volume when not root. */
  private _userNamespace(): Promise<UserNamespace> {
    this._ns ??= UserNamespace.start().then((ns) => {
      this._opts.logger.debug(`user namespace for size-limited volumes: holder pid ${ns.pid}`);
      this._opts.onTeardown('stop the user namespace', () => ns.stop());
      return ns;
    });
    return this._ns;
  }

  async toolVersions(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const tool of ['postgres', 'pg_basebackup', 'pg_dump', 'pg_verifybackup', 'pg_amcheck', 'pg_checksums']) {
      try {
        out[tool] = execFileSync(join(this.binDir, tool), ['--version'], { encoding: 'utf8' }).trim();
      } catch {
        out[tool] = 'not found';
      }
    }
    const rest = pgbackrestPath();
    if (rest) out.pgbackrest = execFileSync(rest, ['version'], { encoding: 'utf8' }).trim();
    out.node = process.version;
    return out;
  }

  async objectStoreLog(): Promise<string> {
    return readFile(join(this.workDir, S3_LOG), 'utf8').catch(() => '');
  }

  async interruptObjectStore(): Promise<string> {
    const s3 = this._embedded?.current;
    if (!s3)
      throw new DrillError(
        'invalid-config',
        'the object store is external (objectStore.kind "s3"): drdrill does not stop it',
      );
    await s3.stop();
    return `stopped the embedded S3 (s3rver pid ${s3.pid}) at ${s3.endpoint}: every request to it is refused`;
  }

  async restoreObjectStore(): Promise<string> {
    const embedded = this._embedded;
    if (!embedded) throw new DrillError('invalid-config', 'the object store is external (objectStore.kind "s3")');
    const s3 = await embedded.start(Number(new URL(embedded.current.endpoint).port));
    return `started the embedded S3 again (s3rver pid ${s3.pid}) at ${s3.endpoint}, on the same objects`;
  }

  async volumeSupport() {
    return tmpfsSupport();
  }

  async pgbackrestSupport(): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
    const bin = pgbackrestPath();
    if (!bin) return { ok: false, reason: 'pgbackrest is not installed (Debian/Ubuntu: apt-get install pgbackrest)' };
    return { ok: true, version: execFileSync(bin, ['version'], { encoding: 'utf8' }).trim() };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    // Teardown steps were registered with the engine as resources were created; nothing else is held here.
  }
}

function pgbackrestPath(): string | undefined {
  for (const p of ['/usr/bin/pgbackrest', '/usr/local/bin/pgbackrest']) if (existsSync(p)) return p;
  return undefined;
}

/** The embedded S3 this environment runs: the process now, and how to start it (again, on a given port). */
interface EmbeddedStore {
  current: EmbeddedS3;
  start(port?: number): Promise<EmbeddedS3>;
}

async function startObjectStore(
  opts: EnvironmentStartOptions,
  runState: RunStateFile,
): Promise<{ connection: ObjectStoreConnection; embedded?: EmbeddedStore }> {
  const spec = opts.spec.objectStore;
  if (spec.kind === 's3') return { connection: resolveObjectStoreSpec(spec, opts.runId, opts.drillName) };
  const dir = join(opts.workDir, 's3');
  let tls: { key: string; cert: string } | undefined;
  if (spec.tls) tls = await makeSelfSignedCert(join(opts.workDir, 'tls'));
  const launch = async (port?: number) => {
    const s3 = await startEmbeddedS3({
      dir,
      logFile: join(opts.workDir, S3_LOG),
      ...(tls ? { tls } : {}),
      ...(port ? { port } : {}),
    });
    runState.addPort(s3.port);
    opts.onTeardown('stop embedded S3', () => s3.stop());
    opts.logger.debug(`embedded S3 pid ${s3.pid} at ${s3.endpoint}`);
    return s3;
  };
  const s3 = await launch();
  const embedded: EmbeddedStore = {
    current: s3,
    async start(port) {
      this.current = await launch(port);
      return this.current;
    },
  };
  const secret = randomBytes(12).toString('hex');
  registerSecret(secret);
  const connection: ObjectStoreConnection = {
    kind: 'embedded',
    endpoint: s3.endpoint,
    endpointForInstances: s3.endpoint,
    bucket: `drdrill-${opts.runId}`.toLowerCase().slice(0, 63),
    prefix: '',
    region: 'us-east-1',
    forcePathStyle: true,
    accessKeyId: 'S3RVER',
    secretAccessKey: secret,
    ...(tls ? { caCertFile: tls.cert, caCertFileForInstances: tls.cert } : {}),
  };
  return { connection, embedded };
}

/**
 * archive_command runs as the postgres user, which may not read the checkout (e.g. under /root):
 * copy the single-file WAL tool and its config (with the S3 credentials, mode 0600) into the work dir.
 */
async function installWalTool(
  workDir: string,
  store: ObjectStoreConnection,
  account: ReturnType<typeof postgresAccount>,
) {
  const dir = join(workDir, 'wal-tool');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const script = join(dir, WAL_TOOL_FILE);
  await copyFile(walToolPath(), script);
  const config = join(dir, 'wal-config.json');
  await writeFile(config, JSON.stringify(store, null, 2), { mode: 0o600 });
  if (account) {
    for (const p of [dir, script, config]) await chown(p, account.uid, account.gid);
    const r = await runProcess(process.execPath, ['--version'], {
      uid: account.uid,
      gid: account.gid,
      allowFailure: true,
    });
    if (r.code !== 0)
      throw new DrillError(
        'missing-prerequisite',
        `${process.execPath} cannot be run by the postgres user (needed by archive_command); install Node.js system-wide`,
      );
  }
  await access(script, constants.R_OK);
  return { node: process.execPath, script, config };
}
