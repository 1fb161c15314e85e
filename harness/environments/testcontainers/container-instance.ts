import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { GenericContainer, Wait } from 'testcontainers';
import { DrillError } from '../../engine/errors.js';
import type { Logger } from '../../util/logger.js';
import { shellQuote } from '../../util/process.js';
import {
  baseServerSettings,
  HARNESS_CONF,
  HARNESS_CONF_INCLUDE,
  renderConf,
  type ServerSettings,
} from '../server-settings.js';
import type { ConnectionInfo, InstanceSpec, PgInstance, PgTool, ToolResult, ToolRun, VolumeHandle } from '../types.js';
import { waitUntilAccepting } from '../wait-ready.js';
import { fileTail } from '../log-tail.js';
import { ContainerShell, engineMessage, type Dockerode } from './container-shell.js';
import { containerStartError } from './images.js';

/** Paths inside every PostgreSQL container; the same on the official image and the locally built one. */
export const CONTAINER_PATHS = {
  data: '/var/lib/postgresql/drdrill/data',
  wal: '/var/lib/postgresql/drdrill/wal',
  bin: '/drdrill/bin',
  private: '/drdrill/private',
  socket: '/drdrill/run',
  home: '/drdrill/home',
  spool: '/drdrill/wal-spool',
} as const;
const PG_PORT = 5432;
const SUPERUSER = 'postgres';
const KEEPER_READY = 'drdrill-keeper-ready';
/**
 * PID 1 keeps the container up while PostgreSQL is stopped, so offline tools (pg_rewind, pg_checksums,
 * pg_verifybackup) and restores can run in it. The postmaster is started by exec and streamed to the harness.
 */
const KEEPER = `echo ${KEEPER_READY}; trap 'exit 0' TERM INT; sleep 2147483647 & wait`;

export interface ContainerInstanceDeps {
  docker: Dockerode;
  image: string;
  network: string;
  labels: Record<string, string>;
  containerName: string;
  password: string;
  /** Host directory for this instance's server log. */
  hostDir: string;
  walTool: { script: Buffer; config: string };
  /** The object store's self-signed CA, when it serves TLS. */
  objectStoreCa?: { path: string; pem: string };
  /** The host's node binary, copied in when the image has none (the official postgres image). */
  hostNode: string;
  logger: Logger;
}

/** A PostgreSQL instance in its own container, reached by the harness on a mapped port and by peers by alias. */
export class ContainerInstance implements PgInstance {
  readonly dataDir: string = CONTAINER_PATHS.data;
  readonly socketDir: string = CONTAINER_PATHS.socket;
  readonly logFile: string;
  volume?: VolumeHandle;
  walVolume?: VolumeHandle;
  private _shell!: ContainerShell;
  private _host = '127.0.0.1';
  private _port = 0;
  private _owner = { user: SUPERUSER, uid: 999, gid: 999 };
  private _node = '/drdrill/bin/node';
  private _running = false;
  /** Set when drdrill itself stopped the container (a SIGKILL fault); otherwise it is up. */
  private _containerDown = false;
  private _destroyed = false;
  private _exit?: Promise<{ code: number | null; signal: string | null }>;
  private _log?: WriteStream;

  constructor(
    readonly name: string,
    private readonly _deps: ContainerInstanceDeps,
  ) {
    this.logFile = join(_deps.hostDir, 'postgres.log');
  }

  async create(spec: InstanceSpec): Promise<void> {
    const { data, wal } = CONTAINER_PATHS;
    let container = new GenericContainer(this._deps.image)
      .withEntrypoint(['/bin/sh', '-c', KEEPER])
      .withCommand([])
      .withName(this._deps.containerName)
      .withLabels(this._deps.labels)
      .withNetworkMode(this._deps.network)
      .withNetworkAliases(this.name)
      .withExposedPorts(PG_PORT)
      .withWaitStrategy(Wait.forLogMessage(KEEPER_READY))
      .withStartupTimeout(60_000);
    if (spec.volume) {
      container = container
        .withTmpFs({
          [data]: `rw,size=${spec.volume.sizeMB}m,mode=0700`,
          ...(spec.volume.walSizeMB ? { [wal]: `rw,size=${spec.volume.walSizeMB}m,mode=0700` } : {}),
        })
        // Growing a tmpfs is a remount inside the container.
        .withAddedCapabilities('SYS_ADMIN');
    }
    const started = await container.start().catch((err: unknown) => {
      throw containerStartError(err, `${this.name}: container ${this._deps.containerName}`, this._deps.image);
    });
    this._shell = new ContainerShell(
      this._deps.docker,
      started.getId(),
      `${this.name} (container ${this._deps.containerName})`,
    );
    this._host = started.getHost();
    this._port = started.getMappedPort(PG_PORT);
    await mkdir(this._deps.hostDir, { recursive: true });
    await this._prepareFilesystem(Boolean(spec.volume?.walSizeMB));
    if (spec.volume) {
      this.volume = this._tmpfsHandle(data, spec.volume.sizeMB);
      if (spec.volume.walSizeMB) this.walVolume = this._tmpfsHandle(wal, spec.volume.walSizeMB);
    }
    if (spec.initdb) {
      await this.runTool('initdb', {
        args: [
          '-D',
          data,
          '--data-checksums',
          '-U',
          SUPERUSER,
          `--pwfile=${CONTAINER_PATHS.private}/pwfile`,
          '--auth-local=trust',
          '--auth-host=scram-sha-256',
          '-E',
          'UTF8',
          '--locale=C',
          '--no-instructions',
        ],
      });
      if (spec.volume?.walSizeMB)
        await this._root(`cp -a ${data}/pg_wal/. ${wal}/ && rm -rf ${data}/pg_wal && ln -s ${wal} ${data}/pg_wal`);
      // Peers (standbys, pg_rewind, the harness through the mapped port) come over the network with the password.
      await this._writeBaseSettings(
        spec.settings ?? {},
        'printf "\\nhost all all all scram-sha-256\\nhost replication all all scram-sha-256\\n" >> pg_hba.conf',
      );
    }
  }

  /** Directories, the WAL tool (and node if the image has none), credentials for peers and the object store. */
  private async _prepareFilesystem(walVolume: boolean): Promise<void> {
    const p = CONTAINER_PATHS;
    const owned = [p.data, p.private, p.socket, p.home, p.spool, ...(walVolume ? [p.wal] : [])];
    const probe = await this._root(
      `mkdir -p ${p.bin} ${owned.join(' ')} && chown ${SUPERUSER}:${SUPERUSER} ${owned.join(' ')} && chmod 0700 ${owned.join(' ')} && ` +
        `id -u ${SUPERUSER} && id -g ${SUPERUSER} && (command -v node || true)`,
    );
    const [uid, gid, node] = probe.stdout.trim().split('\n');
    this._owner = { user: SUPERUSER, uid: Number(uid), gid: Number(gid) };
    if (node) this._node = node;
    else if (process.platform !== 'linux')
      throw new DrillError(
        'missing-prerequisite',
        `${this.name}: image ${this._deps.image} has no node binary for WAL archiving, and this host's node (${process.platform}) cannot run in a Linux container; use an image with node, such as one built by fixtures/images/build-postgres.sh`,
      );
    const own = { mode: 0o600, owner: this._owner };
    await this._shell.putFiles([
      { path: `${p.bin}/wal-tool.cjs`, data: this._deps.walTool.script, mode: 0o644 },
      ...(node ? [] : [{ path: this._node, data: await readFile(this._deps.hostNode), mode: 0o755 }]),
      ...(this._deps.objectStoreCa
        ? [{ path: this._deps.objectStoreCa.path, data: this._deps.objectStoreCa.pem, mode: 0o644 }]
        : []),
      { path: `${p.private}/wal-config.json`, data: this._deps.walTool.config, ...own },
      { path: `${p.private}/pgpass`, data: `*:*:*:${SUPERUSER}:${this._deps.password}\n`, ...own },
      { path: `${p.private}/pwfile`, data: `${this._deps.password}\n`, ...own },
    ]);
  }

  private _tmpfsHandle(path: string, sizeMB: number): VolumeHandle {
    let current = sizeMB;
    return {
      path,
      get sizeMB() {
        return current;
      },
      grow: async (newSizeMB: number) => {
        await this._root(`mount -o remount,size=${newSizeMB}m ${path}`);
        this._deps.logger.info(`${this.name}: tmpfs ${path} grown from ${current} MB to ${newSizeMB} MB`);
        current = newSizeMB;
      },
    };
  }

  /** drdrill.conf, and the include line in postgresql.conf once (plus `alsoRun`, in the data directory): one copy, one exec. */
  private async _writeBaseSettings(settings: ServerSettings, alsoRun = 'true'): Promise<void> {
    await this.writeFile(
      HARNESS_CONF,
      renderConf(baseServerSettings({ listen: '*', port: PG_PORT, socketDir: this.socketDir }, settings)),
    );
    const include = shellQuote(HARNESS_CONF_INCLUDE);
    await this._shell.exec(
      [
        '/bin/sh',
        '-c',
        `cd ${this.dataDir} && ${alsoRun} && if [ -f postgresql.conf ] && ! grep -qxF ${include} postgresql.conf; then printf '\\n%s\\n' ${include} >> postgresql.conf; fi`,
      ],
      { user: SUPERUSER },
    );
  }

  connection(database = 'postgres'): ConnectionInfo {
    return { host: this._host, port: this._port, user: SUPERUSER, password: this._deps.password, database };
  }

  peerConnection(database = 'postgres'): ConnectionInfo {
    return { host: this.name, port: PG_PORT, user: SUPERUSER, password: this._deps.password, database };
  }

  async start(opts: { waitReady?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (this._running) return;
    await this._ensureContainer();
    this._log ??= createWriteStream(this.logFile, { flags: 'a' });
    const { exit } = await this._shell.spawn(['postgres', '-D', this.dataDir], {
      user: SUPERUSER,
      env: this._env(),
      workingDir: CONTAINER_PATHS.home,
      output: this._log,
    });
    this._running = true;
    this._exit = exit.then((code) => {
      this._running = false;
      return { code, signal: null };
    });
    this._deps.logger.debug(`${this.name}: postgres started in ${this._deps.containerName}, port ${this._port}`);
    if (opts.waitReady !== false) await waitUntilAccepting(this, opts.timeoutMs ?? 60_000);
  }

  async stop(mode: 'smart' | 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this._running) return;
    const signal = { smart: 'TERM', fast: 'INT', immediate: 'QUIT' }[mode];
    await this._signalPostmaster(signal);
    const timer = setTimeout(() => {
      this._containerDown = true;
      void this._shell.container.kill().catch(() => {});
    }, 60_000);
    await this._exit;
    clearTimeout(timer);
  }

  /** SIGKILL takes the whole container down, as a node failure would; other signals go to the postmaster. */
  async kill(signal: NodeJS.Signals): Promise<string> {
    if (!this._running) throw new DrillError('error', `${this.name}: cannot send ${signal}, postgres is not running`);
    if (signal !== 'SIGKILL') {
      await this._signalPostmaster(signal.replace(/^SIG/, ''));
      await this._exit;
      return `${signal} to the postmaster of ${this.name} in container ${this._deps.containerName}`;
    }
    await this._shell.container.kill({ signal: 'SIGKILL' }).catch((err: unknown) => {
      throw new DrillError(
        'error',
        `${this.name}: killing container ${this._deps.containerName} failed: ${engineMessage(err)}`,
      );
    });
    this._containerDown = true;
    await this._exit;
    return `container ${this._deps.containerName} killed (SIGKILL to every process in it, postmaster included)`;
  }

  private async _signalPostmaster(signal: string): Promise<void> {
    await this._shell.exec(
      ['/bin/sh', '-c', `kill -s ${signal} "$(head -n 1 ${shellQuote(this.dataDir)}/postmaster.pid)"`],
      { user: SUPERUSER, allowFailure: true },
    );
  }

  async isRunning(): Promise<boolean> {
    return this._running;
  }

  exited(): Promise<{ code: number | null; signal: string | null }> {
    return this._exit ?? Promise.resolve({ code: null, signal: null });
  }

  async runTool(tool: PgTool, run: ToolRun): Promise<ToolResult> {
    await this._ensureContainer();
    const { bytes: _bytes, ...result } = await this._shell.exec([tool, ...run.args], {
      user: SUPERUSER,
      env: { ...this._env(), ...run.env },
      workingDir: CONTAINER_PATHS.home,
      ...(run.stdin !== undefined ? { stdin: run.stdin } : {}),
      ...(run.stdout ? { stdout: run.stdout } : {}),
      allowFailure: run.allowFailure ?? false,
      ...(run.timeoutMs ? { timeoutMs: run.timeoutMs } : {}),
    });
    return result;
  }

  private _env(): Record<string, string> {
    return {
      HOME: CONTAINER_PATHS.home,
      LANG: 'C.UTF-8',
      PGHOST: this.socketDir,
      PGPORT: String(PG_PORT),
      PGUSER: SUPERUSER,
      PGDATABASE: 'postgres',
      // libpq in tools and in the walreceiver reads the peers' password here.
      PGPASSFILE: `${CONTAINER_PATHS.private}/pgpass`,
    };
  }

  private _path(relPath: string): string {
    const full = posix.resolve(this.dataDir, relPath);
    if (full !== this.dataDir && !full.startsWith(this.dataDir + '/'))
      throw new DrillError('error', `${relPath} is outside the data directory of ${this.name}`);
    return full;
  }

  async readFile(relPath: string): Promise<Buffer> {
    await this._ensureContainer();
    return this._shell.readFile(this._path(relPath));
  }

  async writeFile(relPath: string, data: Buffer | string, opts: { position?: number } = {}): Promise<void> {
    await this._ensureContainer();
    const full = this._path(relPath);
    if (opts.position === undefined) return this._shell.putFile(full, data, { mode: 0o600, owner: this._owner });
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    await this._shell.exec(
      ['dd', `of=${full}`, 'bs=1', `seek=${opts.position}`, `count=${bytes.length}`, 'conv=notrunc,fsync'],
      { user: SUPERUSER, stdin: bytes },
    );
  }

  async removePath(relPath: string): Promise<void> {
    await this._ensureContainer();
    await this._root(`rm -rf ${shellQuote(this._path(relPath))}`);
  }

  async exists(relPath: string): Promise<boolean> {
    if (this._destroyed) return false;
    await this._ensureContainer();
    return (await this._shell.exec(['test', '-e', this._path(relPath)], { allowFailure: true })).code === 0;
  }

  async extractTar(tar: Readable, subdir = ''): Promise<void> {
    await this._ensureContainer();
    const target = this._path(subdir);
    await this._shell.exec(['mkdir', '-p', target], { user: SUPERUSER });
    await this._shell.putArchive(tar, target);
    await this._root(`chown -R ${SUPERUSER}:${SUPERUSER} ${shellQuote(target)}`);
  }

  async configure(settings: ServerSettings): Promise<void> {
    const existing = (await this.exists('postgresql.auto.conf'))
      ? (await this.readFile('postgresql.auto.conf')).toString()
      : '';
    await this.writeFile('postgresql.auto.conf', existing + renderConf(settings));
  }

  logTail(lines = 40): Promise<string> {
    return fileTail(this.logFile, lines);
  }

  walCommand(action: 'push' | 'fetch', placeholders: string): string {
    const spool = action === 'fetch' ? ` --spool ${CONTAINER_PATHS.spool}` : '';
    return `${this._node} --no-warnings ${CONTAINER_PATHS.bin}/wal-tool.cjs wal ${action} --config ${CONTAINER_PATHS.private}/wal-config.json${spool} ${placeholders}`;
  }

  async writePrivateFile(name: string, data: Buffer | string): Promise<string> {
    await this._ensureContainer();
    const path = `${CONTAINER_PATHS.private}/${name}`;
    await this._shell.putFile(path, data, { mode: 0o600, owner: this._owner });
    return path;
  }

  /**
   * A killed container is removed with its writable layer: the node and its disk are gone. In a running
   * container only the data directory's contents go (a tmpfs mount point stays).
   */
  async destroyData(): Promise<string> {
    if (this._destroyed) return `container ${this._deps.containerName} already removed`;
    if (!this._containerDown) {
      await this._root(`find ${this.dataDir} -mindepth 1 -delete`);
      return `data directory ${this.dataDir} emptied in container ${this._deps.containerName}`;
    }
    await this._shell.remove();
    this._destroyed = true;
    return `container ${this._deps.containerName} removed with its filesystem (data directory and pg_wal)`;
  }

  async adoptDataDirectory(settings: ServerSettings = {}): Promise<void> {
    await this._shell.exec(
      ['/bin/sh', '-c', `mkdir -p ${this.dataDir}/pg_wal && chmod 0700 ${this.dataDir} ${this.dataDir}/pg_wal`],
      { user: SUPERUSER },
    );
    await this._writeBaseSettings(settings);
  }

  /** After a container kill the "machine" boots again (PostgreSQL not started); a destroyed one is gone. */
  private async _ensureContainer(): Promise<void> {
    if (this._destroyed) throw new DrillError('error', `${this.name}: its container was destroyed (cluster loss)`);
    if (!this._containerDown) return;
    if ((await this._shell.state()) === 'gone') {
      this._destroyed = true;
      throw new DrillError('error', `${this.name}: container ${this._deps.containerName} no longer exists`);
    }
    await this._shell.container.start();
    this._containerDown = false;
    // Docker may publish a different host port after a restart.
    const info = await this._shell.container.inspect();
    const binding = info.NetworkSettings.Ports?.[`${PG_PORT}/tcp`]?.[0]?.HostPort;
    if (binding) this._port = Number(binding);
    await this._root(`mkdir -p ${CONTAINER_PATHS.socket} && chown ${SUPERUSER}:${SUPERUSER} ${CONTAINER_PATHS.socket}`);
  }

  /** A shell script run as the postgres user (for probes that would otherwise take one exec each). */
  async shellAsPostgres(script: string) {
    await this._ensureContainer();
    return this._shell.exec(['/bin/sh', '-c', script], { user: SUPERUSER, env: this._env() });
  }

  private async _root(script: string) {
    return this._shell.exec(['/bin/sh', '-c', script]);
  }

  /** Close the host log; the environment removes the container itself. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this._log ? this._log.end(resolve) : resolve()));
  }
}
