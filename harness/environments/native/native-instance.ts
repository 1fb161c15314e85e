import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { openSync, closeSync } from 'node:fs';
import { access, chmod, chown, mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { DrillError } from '../../engine/errors.js';
import type { Logger } from '../../util/logger.js';
import { freePort } from '../../util/ports.js';
import { signalGroup, spawnChild, type ChildRecord } from '../../util/children.js';
import { childProcesses, isSameProcess } from '../../util/proc.js';
import { sleep } from '../../util/retry.js';
import { budgetMs } from '../../engine/budgets.js';
import { runProcess, shellQuote, type SystemUser } from '../../util/process.js';
import type { RunStateFile } from './run-state.js';
import type { UserNamespace } from './user-namespace.js';
import type { ConnectionInfo, InstanceSpec, PgInstance, PgTool, ToolResult, ToolRun, VolumeHandle } from '../types.js';
import { mountTmpfs, type TmpfsVolume } from './tmpfs-volume.js';
import { waitUntilAccepting } from '../wait-ready.js';
import { fileTail } from '../log-tail.js';
import {
  baseServerSettings,
  HARNESS_CONF,
  renderConf,
  withHarnessInclude,
  type ServerSettings,
} from '../server-settings.js';

export interface NativeInstanceDeps {
  binDir: string;
  baseDir: string;
  account: SystemUser | undefined;
  logger: Logger;
  walTool: { node: string; script: string; config: string };
  pgbackrestBin?: string;
  onTeardown(title: string, fn: () => Promise<void>): void;
  keep: boolean;
  /** Where the processes, mounts, directories and ports of the drill are recorded for gc. */
  runState: RunStateFile;
  /** The drill's user namespace, for size-limited volumes when not root. */
  userNamespace?: () => Promise<UserNamespace>;
}

const SUPERUSER = 'postgres';

/** A PostgreSQL cluster run by spawning `postgres` directly, so the harness owns the postmaster PID. */
export class NativeInstance implements PgInstance {
  readonly dataDir: string;
  readonly socketDir: string;
  readonly homeDir: string;
  readonly logFile: string;
  volume?: VolumeHandle;
  walVolume?: VolumeHandle;
  private _port = 0;
  private _child?: ChildProcess;
  private _exit?: Promise<{ code: number | null; signal: string | null }>;
  /** Set when a volume of this instance lives in a user namespace: its processes run there too. */
  private _ns?: UserNamespace;
  private readonly _mounts: string[] = [];
  private readonly _orphans: ChildRecord[] = [];

  constructor(
    readonly name: string,
    private readonly _deps: NativeInstanceDeps,
  ) {
    const dir = join(_deps.baseDir, name);
    this.dataDir = join(dir, 'data');
    // Unix socket paths are limited to 107 bytes: keep the directory short, whatever the work dir is.
    this.socketDir = join(tmpdir(), `drdrill-s-${randomBytes(4).toString('hex')}`);
    this.homeDir = join(dir, 'home');
    this.logFile = join(dir, 'postgres.log');
  }

  get port(): number {
    return this._port;
  }

  async create(spec: InstanceSpec): Promise<void> {
    const { account } = this._deps;
    const dir = dirname(this.dataDir);
    await mkdir(this._deps.baseDir, { recursive: true, mode: 0o755 });
    await chmod(this._deps.baseDir, 0o755);
    const socketDir = this.socketDir;
    this._deps.runState.addPath(socketDir);
    this._deps.onTeardown(`remove ${socketDir}`, async () => {
      await rm(socketDir, { recursive: true, force: true });
      this._deps.runState.removePath(socketDir);
    });
    for (const d of [dir, this.socketDir, this.homeDir]) {
      await mkdir(d, { recursive: true, mode: 0o700 });
      await this._own(d);
    }
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    if (spec.volume) {
      const volume = await mountTmpfs(this.dataDir, spec.volume.sizeMB, account, this._deps);
      this.volume = volume;
      this._adoptVolume(volume);
      this._deps.onTeardown(`unmount ${this.dataDir}`, () => volume.unmount());
    }
    await chmod(this._host(this.dataDir), 0o700);
    await this._own(this.dataDir);
    this._port = await this._choosePort();
    if (spec.initdb) {
      await this._run('initdb', [
        '-D',
        this.dataDir,
        '--data-checksums',
        '-U',
        SUPERUSER,
        '--auth=trust',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-instructions',
      ]);
      if (spec.volume?.walSizeMB) await this._moveWalToVolume(spec.volume.walSizeMB);
      await this._writeBaseSettings(spec.settings ?? {});
    }
  }

  private async _moveWalToVolume(sizeMB: number): Promise<void> {
    const walMount = join(dirname(this.dataDir), 'wal');
    await mkdir(walMount, { recursive: true, mode: 0o700 });
    const volume = await mountTmpfs(walMount, sizeMB, this._deps.account, this._deps);
    this.walVolume = volume;
    this._adoptVolume(volume);
    this._deps.onTeardown(`unmount ${walMount}`, () => volume.unmount());
    await this._own(walMount);
    await this._shell(
      `cp -a ${shellQuote(join(this.dataDir, 'pg_wal'))}/. ${shellQuote(walMount)}/ && rm -rf ${shellQuote(join(this.dataDir, 'pg_wal'))} && ln -s ${shellQuote(walMount)} ${shellQuote(join(this.dataDir, 'pg_wal'))}`,
    );
  }

  /** Settings only the harness controls live in a file included last, so restores can rewrite the rest. */
  private async _writeBaseSettings(settings: ServerSettings): Promise<void> {
    await this.writeFile(
      HARNESS_CONF,
      renderConf(baseServerSettings({ listen: '127.0.0.1', port: this._port, socketDir: this.socketDir }, settings)),
    );
    const confPath = this._host(join(this.dataDir, 'postgresql.conf'));
    const existing = await readFile(confPath, 'utf8').catch(() => undefined);
    if (existing !== undefined) await writeFile(confPath, withHarnessInclude(existing));
  }

  private async _choosePort(): Promise<number> {
    const port = await freePort();
    this._deps.runState.addPort(port);
    return port;
  }

  connection(database = 'postgres'): ConnectionInfo {
    return { host: '127.0.0.1', port: this._port, user: SUPERUSER, database };
  }

  peerConnection(database = 'postgres'): ConnectionInfo {
    return this.connection(database);
  }

  async start(opts: { waitReady?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (await this.isRunning()) return;
    // The port may have been taken since it was chosen; the data directory's config then names a new one.
    for (let attempt = 0; ; attempt++) {
      const logStart = await stat(this.logFile)
        .then((s) => s.size)
        .catch(() => 0);
      this._spawn();
      try {
        if (opts.waitReady !== false) await this.waitReady(opts.timeoutMs ?? 60_000);
        return;
      } catch (err) {
        const log = (await readFile(this.logFile, 'utf8').catch(() => '')).slice(logStart);
        if (attempt < 3 && /could not bind|Address already in use/.test(log)) {
          this._port = await this._choosePort();
          await this.configure({ port: this._port });
          continue;
        }
        throw err;
      }
    }
  }

  private _spawn(): void {
    const { account } = this._deps;
    const fd = openSync(this.logFile, 'a', 0o640);
    const child = spawnChild(
      ...this._command(join(this._deps.binDir, 'postgres'), ['-D', this.dataDir]),
      {
        stdio: ['ignore', fd, fd],
        // Own process group: a terminal's Ctrl-C reaches drdrill, which then shuts PostgreSQL down in order.
        detached: true,
        env: this._env(),
        cwd: this.homeDir,
        ...(account ? { uid: account.uid, gid: account.gid } : {}),
      },
      { role: `postgres ${this.name}`, stopSignal: 'SIGQUIT', transient: false },
    );
    closeSync(fd);
    if (account) void chown(this.logFile, account.uid, account.gid).catch(() => {});
    this._child = child;
    this._exit = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
    child.once('error', (err) => this._deps.logger.error(`${this.name}: postgres failed to start: ${err.message}`));
    this._deps.logger.debug(`${this.name}: postgres pid ${child.pid} on port ${this._port}`);
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    await waitUntilAccepting(this, timeoutMs);
  }

  async stop(mode: 'smart' | 'fast' | 'immediate' = 'fast'): Promise<void> {
    const child = this._child;
    if (child && (await this.isRunning())) {
      const signal = { smart: 'SIGTERM', fast: 'SIGINT', immediate: 'SIGQUIT' }[mode] as NodeJS.Signals;
      child.kill(signal);
      const escalate = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await this._exit;
      clearTimeout(escalate);
    }
    await this._reapOrphans();
  }

  async kill(signal: NodeJS.Signals): Promise<string> {
    if (!this._child || !(await this.isRunning()))
      throw new DrillError('error', `${this.name}: cannot send ${signal}, postgres is not running`);
    const pid = this._child.pid!;
    // A postmaster killed outright leaves its server processes to notice by themselves; one blocked on a lock
    // of the dead server never does. They are known now, while they are still its children.
    const servers = signal === 'SIGKILL' ? childProcesses(pid) : [];
    this._child.kill(signal);
    await this._exit;
    const orphans = servers.map((s): ChildRecord => ({
      pid: s.pid,
      startTime: s.startTime,
      role: `server process of ${this.name}`,
      command: s.cmd,
      stopSignal: 'SIGKILL',
      transient: false,
    }));
    this._orphans.push(...orphans);
    this._deps.runState.addOrphans(orphans);
    return `${signal} to the postmaster of ${this.name} (pid ${pid})`;
  }

  /** Server processes of a killed postmaster that are still there when the instance is stopped. */
  private async _reapOrphans(): Promise<void> {
    const left = () => this._orphans.filter((o) => isSameProcess(o.pid, o.startTime));
    for (const o of left()) signalGroup(o.pid, 'SIGKILL');
    const deadline = performance.now() + budgetMs('shutdown');
    while (left().length && performance.now() < deadline) await sleep(50);
    this._deps.runState.removeOrphans(this._orphans.map((o) => o.pid));
    this._orphans.length = 0;
  }

  async isRunning(): Promise<boolean> {
    const c = this._child;
    return !!c && c.exitCode === null && c.signalCode === null;
  }

  exited(): Promise<{ code: number | null; signal: string | null }> {
    return this._exit ?? Promise.resolve({ code: null, signal: null });
  }

  get pid(): number | undefined {
    return this._child?.pid;
  }

  async runTool(tool: PgTool, run: ToolRun): Promise<ToolResult> {
    const file =
      tool === 'pgbackrest'
        ? (this._deps.pgbackrestBin ?? 'pgbackrest')
        : tool.startsWith('barman-cloud-')
          ? `/usr/bin/${tool}`
          : join(this._deps.binDir, tool);
    const account = this._deps.account;
    return runProcess(...this._command(file, run.args), {
      env: { ...this._env(), ...run.env },
      cwd: this.homeDir,
      ...(account ? { uid: account.uid, gid: account.gid } : {}),
      ...(run.stdin !== undefined ? { stdin: run.stdin } : {}),
      ...(run.stdout ? { stdout: run.stdout } : {}),
      allowFailure: run.allowFailure ?? false,
      ...(run.timeoutMs ? { timeoutMs: run.timeoutMs } : {}),
    });
  }

  private _env(): NodeJS.ProcessEnv {
    return {
      PATH: `${this._deps.binDir}:/usr/local/bin:/usr/bin:/bin`,
      HOME: this.homeDir,
      LANG: 'C.UTF-8',
      PGHOST: this.socketDir,
      PGPORT: String(this._port),
      PGUSER: SUPERUSER,
      PGDATABASE: 'postgres',
      ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}),
    };
  }

  /** A path in the data directory as the instance's processes see it; nothing outside it. */
  private _inData(relPath: string): string {
    const full = resolve(this.dataDir, relPath);
    if (full !== this.dataDir && !full.startsWith(this.dataDir + sep))
      throw new DrillError('error', `${relPath} is outside the data directory of ${this.name}`);
    return full;
  }

  /** The same path as the harness reaches it. */
  private _path(relPath: string): string {
    return this._host(this._inData(relPath));
  }

  private _adoptVolume(volume: TmpfsVolume): void {
    this._mounts.push(volume.path);
    if (volume.namespace) this._ns = volume.namespace;
  }

  /** A volume in a user namespace is reached through its holder's view of the filesystem. */
  private _host(path: string): string {
    const onVolume = this._mounts.some((m) => path === m || path.startsWith(m + sep));
    return this._ns && onVolume ? this._ns.hostPath(path) : path;
  }

  /** The command line that runs a program of this instance (inside the user namespace, when it has one). */
  private _command(file: string, args: string[]): [string, string[]] {
    return this._ns ? this._ns.wrap(file, args) : [file, args];
  }

  hostCommand(file: string, args: string[]): [string, string[]] {
    return this._command(file, args);
  }

  async readFile(relPath: string): Promise<Buffer> {
    return readFile(this._path(relPath));
  }

  async writeFile(relPath: string, data: Buffer | string, opts: { position?: number } = {}): Promise<void> {
    const full = this._path(relPath);
    if (opts.position === undefined) {
      if (!(await this.exists(dirname(relPath)))) {
        await mkdir(dirname(full), { recursive: true, mode: 0o700 });
        await this._own(dirname(full));
      }
      await writeFile(full, data, { mode: 0o600 });
    } else {
      const fh = await open(full, 'r+');
      try {
        const buf = typeof data === 'string' ? Buffer.from(data) : data;
        await fh.write(buf, 0, buf.length, opts.position);
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    await this._own(full);
  }

  async removePath(relPath: string): Promise<void> {
    await rm(this._path(relPath), { recursive: true, force: true });
  }

  async exists(relPath: string): Promise<boolean> {
    return access(this._path(relPath)).then(
      () => true,
      () => false,
    );
  }

  async extractTar(tar: Readable, subdir = ''): Promise<void> {
    await this._runAsOwner('tar', ['-x', '-f', '-', '-C', this._inData(subdir)], tar);
  }

  async configure(settings: Record<string, string | number | boolean>): Promise<void> {
    const file = this._host(join(this.dataDir, 'postgresql.auto.conf'));
    const existing = await readFile(file, 'utf8').catch(() => '');
    await writeFile(file, existing + renderConf(settings), { mode: 0o600 });
    await this._own(file);
  }

  logTail(lines = 40): Promise<string> {
    return fileTail(this.logFile, lines);
  }

  walCommand(action: 'push' | 'fetch', placeholders: string): string {
    const { node, script, config } = this._deps.walTool;
    const spool = action === 'fetch' ? ` --spool ${shellQuote(join(dirname(this.dataDir), 'wal-spool'))}` : '';
    return `${shellQuote(node)} --no-warnings ${shellQuote(script)} wal ${action} --config ${shellQuote(config)}${spool} ${placeholders}`;
  }

  async destroyData(): Promise<string> {
    if (this.volume || this.walVolume) {
      // Keep the mount points; remove what is on them.
      await this._shell(`find ${shellQuote(this.dataDir)} -mindepth 1 -delete`);
    } else {
      // After a SIGKILL the postmaster's children (the archiver) may still be writing here for a moment.
      await rm(this.dataDir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    }
    return `data directory ${this.dataDir} (with pg_wal) deleted`;
  }

  /** Re-create an empty data directory (after destroyData, or before a restore into this instance). */
  async resetDataDir(): Promise<void> {
    await this.destroyData();
    await mkdir(this._host(this.dataDir), { recursive: true, mode: 0o700 });
    await chmod(this._host(this.dataDir), 0o700);
    await this._own(this.dataDir);
  }

  async writePrivateFile(name: string, data: Buffer | string): Promise<string> {
    const dir = join(dirname(this.dataDir), 'private');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await this._own(dir);
    const file = join(dir, name);
    await writeFile(file, data, { mode: 0o600 });
    await this._own(file);
    return file;
  }

  async adoptDataDirectory(settings: Record<string, string | number | boolean> = {}): Promise<void> {
    await mkdir(this._host(join(this.dataDir, 'pg_wal')), { recursive: true, mode: 0o700 });
    await this._own(join(this.dataDir, 'pg_wal'));
    await this._writeBaseSettings(settings);
  }

  private async _own(path: string): Promise<void> {
    const a = this._deps.account;
    if (a) await chown(path, a.uid, a.gid);
  }

  private async _run(tool: PgTool, args: string[]): Promise<ToolResult> {
    return this.runTool(tool, { args });
  }

  private async _runAsOwner(file: string, args: string[], stdin?: Readable): Promise<void> {
    const a = this._deps.account;
    await runProcess(...this._command(file, args), {
      ...(a ? { uid: a.uid, gid: a.gid } : {}),
      cwd: this.homeDir,
      ...(stdin ? { stdin } : {}),
    });
  }

  private async _shell(script: string): Promise<void> {
    await this._runAsOwner('/bin/sh', ['-c', script]);
  }
}
