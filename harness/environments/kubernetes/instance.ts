import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DrillError } from '../../engine/errors.js';
import { SkipDrill } from '../../engine/skip.js';
import type { Logger } from '../../util/logger.js';
import { shellQuote } from '../../util/process.js';
import { sleep } from '../../util/retry.js';
import {
  baseServerSettings,
  HARNESS_CONF,
  HARNESS_CONF_INCLUDE,
  renderConf,
  type ServerSettings,
} from '../server-settings.js';
import type { ConnectionInfo, InstanceSpec, PgInstance, PgTool, ToolResult, ToolRun, VolumeHandle } from '../types.js';
import { waitUntilAccepting } from '../wait-ready.js';
import type { Cluster, ExecResult, KubeObject, LocalForward, PodLayout } from './cluster.js';
import {
  instanceServiceManifest,
  instanceStatefulSetManifest,
  type InstanceManifestOptions,
} from './manifests/drill.js';
import type { Stamp } from './manifests/types.js';
import { dataClaimOf, podOf, statefulSetName } from './names.js';
import { podPaths, POD_READY_FILE, POSTGRES_CONTAINER, readExactly, sh, type PodPaths } from './pod-scripts.js';
import { claimVolume } from './volume.js';

const SUPERUSER = 'postgres';
const DEFAULT_DATA_MB = 1024;
const POD_READY_MS = 180_000;
const EXIT_POLL_MS = 1000;
/** A volume counts as size-limited when its filesystem is at most this much larger than the claim. */
const ENFORCED_SLACK = 1.5;

export interface KubeInstanceDeps {
  cluster: Cluster;
  stamp: Stamp;
  image: string;
  storageClass?: string;
  password: string;
  walTool: Buffer;
  /** Where stdin larger than memory is spooled (tar streams of restores). */
  workDir: string;
  logger: Logger;
  onApplied(obj: KubeObject): void;
}

/**
 * A PostgreSQL instance as a StatefulSet of one pod with its data on a PVC. The harness reaches it by
 * port-forward and works in it by exec; faults are API operations (pod delete, PVC delete, PVC patch).
 */
export class KubeInstance implements PgInstance {
  readonly statefulSet: string;
  readonly pod: string;
  readonly layout: PodLayout;
  readonly paths: PodPaths;
  readonly dataDir: string;
  readonly socketDir: string;
  volume?: VolumeHandle;
  walVolume?: VolumeHandle;
  private _forward?: LocalForward;
  private _podUid?: string;
  /** The pod was deleted by a fault: the StatefulSet brings a new one, with PostgreSQL down. */
  private _podReplaced = false;
  private _destroyed = false;
  private _running = false;
  private _exit?: Promise<{ code: number | null; signal: string | null }>;
  private _exitResolve?: (v: { code: number | null; signal: string | null }) => void;
  private _poller?: NodeJS.Timeout;
  /** The log of a pod that a fault deleted (its emptyDir went with it). */
  private _previousLog = '';

  constructor(
    readonly name: string,
    private readonly _deps: KubeInstanceDeps,
  ) {
    this.statefulSet = statefulSetName(name);
    this.pod = podOf(this.statefulSet);
    this.layout = _deps.cluster.podLayout(_deps.stamp.namespace, this.pod);
    this.paths = podPaths(this.layout.root);
    this.dataDir = this.paths.data;
    this.socketDir = this.paths.run;
  }

  private get _ns(): string {
    return this._deps.stamp.namespace;
  }

  private get _where(): string {
    return `${this.name} (pod ${this._ns}/${this.pod})`;
  }

  manifestOptions(spec: InstanceSpec): InstanceManifestOptions {
    return {
      stamp: this._deps.stamp,
      instance: this.name,
      statefulSet: this.statefulSet,
      image: this._deps.image,
      paths: this.paths,
      ...(this._deps.storageClass ? { storageClass: this._deps.storageClass } : {}),
      dataSizeMB: spec.volume?.sizeMB ?? DEFAULT_DATA_MB,
      ...(spec.volume?.walSizeMB ? { walSizeMB: spec.volume.walSizeMB } : {}),
      ...(spec.fromSnapshot ? { fromSnapshot: spec.fromSnapshot } : {}),
    };
  }

  async create(spec: InstanceSpec): Promise<void> {
    const options = this.manifestOptions(spec);
    for (const manifest of [instanceServiceManifest(options), instanceStatefulSetManifest(options)]) {
      await this._deps.cluster.apply(manifest);
      this._deps.onApplied(manifest);
    }
    await this._waitForPod();
    await this._exec(
      readExactly(this._deps.walTool.length, ['/bin/sh', '-c', `cat > ${this.paths.bin}/wal-tool.cjs`]),
      {
        stdin: this._deps.walTool,
      },
    );
    if (spec.volume) {
      this.volume = await this._sizeLimited('data', spec.volume.sizeMB);
      if (spec.volume.walSizeMB) this.walVolume = await this._sizeLimited('wal', spec.volume.walSizeMB);
    }
    if (spec.initdb) {
      await this.runTool('initdb', {
        args: [
          '-D',
          this.dataDir,
          '--data-checksums',
          '-U',
          SUPERUSER,
          `--pwfile=${this.paths.private}/pwfile`,
          '--auth-local=trust',
          '--auth-host=scram-sha-256',
          '-E',
          'UTF8',
          '--locale=C',
          '--no-instructions',
          ...(spec.volume?.walSizeMB ? [`--waldir=${this.paths.wal}`] : []),
        ],
      });
      await this._writeBaseSettings(
        spec.settings ?? {},
        'printf "\\nhost all all all scram-sha-256\\nhost replication all all scram-sha-256\\n" >> pg_hba.conf',
      );
    }
    this._forward = await this._deps.cluster.portForward(this._ns, this.pod, this.layout.port);
  }

  /** The claim's volume, after checking that its filesystem really is limited to the size asked for. */
  private async _sizeLimited(volume: 'data' | 'wal', sizeMB: number): Promise<VolumeHandle> {
    const mount = volume === 'data' ? this.paths.dataMount : this.paths.walMount;
    const totalMB = await this.filesystemMB(mount);
    if (totalMB > sizeMB * ENFORCED_SLACK + 64)
      throw new SkipDrill(
        `the ${volume} PVC ${dataClaimOf(this.statefulSet, volume)} asks for ${sizeMB} Mi but its filesystem has ${totalMB} MB: ` +
          `the StorageClass does not enforce sizes, so the volume cannot fill up (kind's local-path and csi-hostpath do not); ` +
          `use a StorageClass whose volumes have their own filesystem of the requested size (a cloud disk, Longhorn, TopoLVM)`,
      );
    return claimVolume({
      cluster: this._deps.cluster,
      namespace: this._ns,
      claim: dataClaimOf(this.statefulSet, volume),
      path: mount,
      sizeMB,
      filesystemMB: () => this.filesystemMB(mount),
      logger: this._deps.logger,
    });
  }

  /** Size of the filesystem holding `path`, as `df` in the pod reports it. */
  async filesystemMB(path: string): Promise<number> {
    const r = await this._exec(['df', '-Pk', path]);
    const fields = r.stdout.toString().trim().split('\n').at(-1)?.split(/\s+/) ?? [];
    const kb = Number(fields[1]);
    if (!Number.isFinite(kb))
      throw new DrillError('error', `${this._where}: cannot read df output: ${r.stdout.toString()}`);
    return Math.round(kb / 1024);
  }

  private async _writeBaseSettings(settings: ServerSettings, alsoRun = 'true'): Promise<void> {
    await this.writeFile(
      HARNESS_CONF,
      renderConf(
        baseServerSettings({ listen: this.layout.listen, port: this.layout.port, socketDir: this.socketDir }, settings),
      ),
    );
    const include = shellQuote(HARNESS_CONF_INCLUDE);
    await this._exec(
      sh(
        `cd ${shellQuote(this.dataDir)} && ${alsoRun} && if [ -f postgresql.conf ] && ! grep -qxF ${include} postgresql.conf; then printf '\\n%s\\n' ${include} >> postgresql.conf; fi`,
      ),
    );
  }

  connection(database = 'postgres'): ConnectionInfo {
    if (!this._forward) throw new DrillError('error', `${this._where}: not created yet`);
    return {
      host: this._forward.host,
      port: this._forward.port,
      user: SUPERUSER,
      password: this._deps.password,
      database,
    };
  }

  peerConnection(database = 'postgres'): ConnectionInfo {
    const a = this._deps.cluster.podAddress(this._ns, this.statefulSet, this.pod);
    return { host: a.host, port: a.port, user: SUPERUSER, password: this._deps.password, database };
  }

  async start(opts: { waitReady?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (this._running) return;
    await this._ensurePod();
    await this._exec(sh(`rm -f ${this.paths.run}/exit && touch ${this.paths.run}/start`));
    this._running = true;
    this._exit = new Promise((resolve) => (this._exitResolve = resolve));
    this._pollExit();
    this._deps.logger.debug(`${this._where}: postgres asked to start`);
    if (opts.waitReady !== false) await waitUntilAccepting(this, opts.timeoutMs ?? 120_000);
  }

  /** Watches run/exit (written by the pod's supervisor when the postmaster exits). */
  private _pollExit(): void {
    clearTimeout(this._poller);
    this._poller = setTimeout(() => {
      void this._readExit().then((exit) => {
        if (!this._running) return;
        if (exit === undefined) return this._pollExit();
        this._markExited({ code: exit, signal: null });
      });
    }, EXIT_POLL_MS);
    this._poller.unref();
  }

  private async _readExit(): Promise<number | undefined> {
    const r = await this._exec(sh(`cat ${this.paths.run}/exit 2>/dev/null || true`)).catch(() => undefined);
    const text = r?.stdout.toString().trim();
    return text ? Number(text) : undefined;
  }

  private _markExited(exit: { code: number | null; signal: string | null }): void {
    clearTimeout(this._poller);
    this._running = false;
    this._exitResolve?.(exit);
  }

  async stop(mode: 'smart' | 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this._running) return;
    await this._exec(['pg_ctl', 'stop', '-D', this.dataDir, '-m', mode, '-w', '-t', '60'], { allowFailure: true });
    for (let i = 0; i < 100 && this._running; i++) {
      const exit = await this._readExit();
      if (exit !== undefined) this._markExited({ code: exit, signal: null });
      else await sleep(100);
    }
    if (this._running)
      throw new DrillError('error', `${this._where}: postgres did not stop within 10 s after pg_ctl stop`);
  }

  /** SIGKILL deletes the pod with grace period 0, as a node failure would; other signals go to the postmaster. */
  async kill(signal: NodeJS.Signals): Promise<string> {
    if (!this._running) throw new DrillError('error', `${this._where}: cannot send ${signal}, postgres is not running`);
    if (signal !== 'SIGKILL') {
      await this._exec(sh(`kill -s ${signal.replace(/^SIG/, '')} "$(head -n 1 ${this.dataDir}/postmaster.pid)"`));
      await this._exit;
      return `${signal} to the postmaster of ${this._where}`;
    }
    this._previousLog = await this.logTail(200).catch(() => '');
    await this._deps.cluster.delete(
      { apiVersion: 'v1', kind: 'Pod', namespace: this._ns, name: this.pod },
      { gracePeriodSeconds: 0 },
    );
    this._podReplaced = true;
    this._markExited({ code: null, signal: 'SIGKILL' });
    return `pod ${this._ns}/${this.pod} deleted with grace period 0 (every process in it killed, postmaster included); its StatefulSet brings a new pod on the same PVC`;
  }

  async isRunning(): Promise<boolean> {
    return this._running;
  }

  exited(): Promise<{ code: number | null; signal: string | null }> {
    return this._exit ?? Promise.resolve({ code: null, signal: null });
  }

  async runTool(tool: PgTool, run: ToolRun): Promise<ToolResult> {
    await this._ensurePod();
    const env = { ...this._env(), ...run.env };
    const command = [
      '/bin/sh',
      '-c',
      'cd "$0" && exec "$@"',
      this.paths.home,
      'env',
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      tool,
      ...run.args,
    ];
    const started = performance.now();
    const stdin = run.stdin === undefined ? undefined : await this._spool(run.stdin);
    try {
      const r = await this._exec(stdin ? readExactly(stdin.length, command) : command, {
        ...(stdin ? { stdinFile: stdin } : {}),
        ...(run.stdout ? { stdout: run.stdout } : {}),
        ...(run.timeoutMs ? { timeoutMs: run.timeoutMs } : {}),
        allowFailure: run.allowFailure ?? false,
        label: [tool, ...run.args].map(shellQuote).join(' '),
      });
      return {
        command: [tool, ...run.args].map(shellQuote).join(' '),
        code: r.code,
        stdout: r.stdout.toString('utf8'),
        stderr: r.stderr,
        seconds: (performance.now() - started) / 1000,
      };
    } finally {
      if (stdin) await rm(stdin.file, { force: true });
    }
  }

  private _env(): Record<string, string> {
    return {
      HOME: this.paths.home,
      LANG: 'C.UTF-8',
      PGHOST: this.socketDir,
      PGPORT: String(this.layout.port),
      PGUSER: SUPERUSER,
      PGDATABASE: 'postgres',
      PGPASSFILE: `${this.paths.private}/pgpass`,
    };
  }

  private _path(relPath: string): string {
    const full = posix.resolve(this.dataDir, relPath);
    if (full !== this.dataDir && !full.startsWith(this.dataDir + '/'))
      throw new DrillError('error', `${relPath} is outside the data directory of ${this.name}`);
    return full;
  }

  async readFile(relPath: string): Promise<Buffer> {
    await this._ensurePod();
    const r = await this._exec(['cat', this._path(relPath)], { allowFailure: true });
    if (r.code !== 0) throw new DrillError('error', `${this._where}: cannot read ${relPath}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** Whole files are replaced; with a position, bytes are overwritten in place (a page, for corruption). */
  async writeFile(relPath: string, data: Buffer | string, opts: { position?: number } = {}): Promise<void> {
    await this._ensurePod();
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const target = shellQuote(this._path(relPath));
    const script =
      opts.position === undefined
        ? `umask 077 && cat > ${target}`
        : `dd of=${target} bs=65536 seek=${opts.position} oflag=seek_bytes iflag=fullblock conv=notrunc,fsync status=none`;
    await this._exec(readExactly(bytes.length, ['/bin/sh', '-c', script]), { stdin: bytes });
  }

  async removePath(relPath: string): Promise<void> {
    await this._ensurePod();
    await this._exec(['rm', '-rf', this._path(relPath)]);
  }

  async exists(relPath: string): Promise<boolean> {
    if (this._destroyed) return false;
    await this._ensurePod();
    return (await this._exec(['test', '-e', this._path(relPath)], { allowFailure: true })).code === 0;
  }

  async extractTar(tar: Readable, subdir = ''): Promise<void> {
    await this._ensurePod();
    const target = this._path(subdir);
    await this._exec(['mkdir', '-p', target]);
    const spooled = await this._spool(tar);
    try {
      await this._exec(readExactly(spooled.length, ['tar', '-x', '-f', '-', '-C', target]), {
        stdinFile: spooled,
        label: `tar -x -C ${target}`,
      });
    } finally {
      await rm(spooled.file, { force: true });
    }
  }

  async configure(settings: ServerSettings): Promise<void> {
    const existing = (await this.exists('postgresql.auto.conf'))
      ? (await this.readFile('postgresql.auto.conf')).toString()
      : '';
    await this.writeFile('postgresql.auto.conf', existing + renderConf(settings));
  }

  async logTail(lines = 40): Promise<string> {
    const current =
      this._destroyed || this._podReplaced
        ? ''
        : await this._exec(sh(`tail -n ${lines} ${shellQuote(this.paths.log)} 2>/dev/null || true`))
            .then((r) => r.stdout.toString())
            .catch(() => '');
    return [...this._previousLog.split('\n'), ...current.split('\n')].filter(Boolean).slice(-lines).join('\n');
  }

  walCommand(action: 'push' | 'fetch', placeholders: string): string {
    const spool = action === 'fetch' ? ` --spool ${this.paths.spool}` : '';
    return `node --no-warnings ${this.paths.bin}/wal-tool.cjs wal ${action} --config ${this.paths.private}/wal-config.json${spool} ${placeholders}`;
  }

  async writePrivateFile(name: string, data: string): Promise<string> {
    await this._ensurePod();
    const path = `${this.paths.private}/${name}`;
    const bytes = Buffer.from(data);
    await this._exec(readExactly(bytes.length, ['/bin/sh', '-c', `umask 077 && cat > ${shellQuote(path)}`]), {
      stdin: bytes,
    });
    return path;
  }

  /** Cluster loss: the StatefulSet, its pod and its PVCs deleted in the foreground, and gone. */
  async destroyData(): Promise<string> {
    if (this._destroyed) return `StatefulSet ${this._ns}/${this.statefulSet} already deleted`;
    const { cluster } = this._deps;
    const claims = [dataClaimOf(this.statefulSet), ...(this.walVolume ? [dataClaimOf(this.statefulSet, 'wal')] : [])];
    const sts = { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: this._ns, name: this.statefulSet };
    const pod = { apiVersion: 'v1', kind: 'Pod', namespace: this._ns, name: this.pod };
    const pvcs = claims.map((name) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: this._ns, name }));
    this._destroyed = true;
    this._markExited({ code: null, signal: 'SIGKILL' });
    await cluster.delete(sts, { propagationPolicy: 'Foreground' });
    await cluster.delete(pod, { gracePeriodSeconds: 0 });
    for (const pvc of pvcs) await cluster.delete(pvc, { propagationPolicy: 'Foreground' });
    for (const ref of [sts, pod, ...pvcs])
      await cluster.watchUntil(ref, (o) => o === undefined, {
        timeoutMs: POD_READY_MS,
        what: `${this._where}: waiting for ${ref.kind} ${ref.name} to be deleted`,
      });
    return `StatefulSet ${this.statefulSet}, pod ${this.pod} and PVC ${claims.join(', ')} deleted in the foreground (data directory and pg_wal gone with the volume)`;
  }

  async adoptDataDirectory(settings: ServerSettings = {}): Promise<void> {
    await this._exec(sh(`mkdir -p ${this.dataDir}/pg_wal && chmod 0700 ${this.dataDir} ${this.dataDir}/pg_wal`));
    await this._writeBaseSettings(settings);
  }

  /** Waits for the StatefulSet's pod to run and its supervisor to be up; remembers which pod it is. */
  private async _waitForPod(previousUid?: string): Promise<void> {
    const pod = await this._deps.cluster.watchUntil<PodObject>(
      { apiVersion: 'v1', kind: 'Pod', namespace: this._ns, name: this.pod },
      (p) => {
        if (p && p.metadata.uid !== previousUid) failOnStuckContainer(p, this._deps.image, this._where);
        return !!p && p.metadata.uid !== previousUid && !p.metadata.deletionTimestamp && p.status?.phase === 'Running';
      },
      { timeoutMs: POD_READY_MS, what: `${this._where}: waiting for the pod to run` },
    );
    this._podUid = pod?.metadata.uid;
    for (let i = 0; ; i++) {
      const r = await this._exec(['test', '-e', `${this.paths.run}/${POD_READY_FILE}`], { allowFailure: true }).catch(
        () => undefined,
      );
      if (r?.code === 0) return;
      if (i > 300) throw new DrillError('error', `${this._where}: the pod runs but its supervisor never got ready`);
      await sleep(100);
    }
  }

  private async _ensurePod(): Promise<void> {
    if (this._destroyed)
      throw new DrillError('error', `${this.name}: its StatefulSet and PVC were deleted (cluster loss)`);
    if (!this._podReplaced) return;
    await this._waitForPod(this._podUid);
    this._podReplaced = false;
  }

  /** Saves a stream to a file first: exec needs the length up front. */
  private async _spool(input: Readable | string): Promise<{ file: string; length: number }> {
    const file = join(this._deps.workDir, `stdin-${randomBytes(6).toString('hex')}`);
    await pipeline(typeof input === 'string' ? Readable.from([Buffer.from(input)]) : input, createWriteStream(file));
    return { file, length: (await stat(file)).size };
  }

  private async _exec(
    command: string[],
    opts: {
      stdin?: Buffer;
      stdinFile?: { file: string; length: number };
      stdout?: Writable;
      timeoutMs?: number;
      allowFailure?: boolean;
      label?: string;
    } = {},
  ): Promise<ExecResult> {
    const stdin = opts.stdin
      ? { stream: Readable.from([opts.stdin]), length: opts.stdin.length }
      : opts.stdinFile
        ? { stream: createReadStream(opts.stdinFile.file), length: opts.stdinFile.length }
        : undefined;
    const r = await this._deps.cluster.exec(this._ns, this.pod, POSTGRES_CONTAINER, command, {
      ...(stdin ? { stdin } : {}),
      ...(opts.stdout ? { stdout: opts.stdout } : {}),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    });
    if (r.code !== 0 && !opts.allowFailure) {
      const shown = opts.label ?? command.join(' ').slice(0, 300);
      const detail = (r.stderr.trim() || r.stdout.toString().trim()).split('\n').slice(-5).join(' | ');
      throw new DrillError(
        r.code === 127 ? 'missing-prerequisite' : 'error',
        `${this._where}: ${shown} exited ${r.code}: ${detail}${r.code === 127 ? ` (is it in the image ${this._deps.image}?)` : ''}`,
      );
    }
    return r;
  }

  /** A probe script as the postgres user (tool versions). */
  async shell(script: string): Promise<ExecResult> {
    await this._ensurePod();
    return this._exec(sh(script), { allowFailure: true });
  }

  async close(): Promise<void> {
    clearTimeout(this._poller);
    await this._forward?.close();
  }
}

interface PodObject extends KubeObject {
  status?: {
    phase?: string;
    containerStatuses?: { name: string; state?: { waiting?: { reason?: string; message?: string } } }[];
  };
}

/** Reasons a container never starts by itself: waiting for them would only run into the timeout. */
const STUCK = [
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
];

function failOnStuckContainer(pod: PodObject, image: string, where: string): void {
  const waiting = pod.status?.containerStatuses
    ?.map((c) => c.state?.waiting)
    .find((w) => w?.reason && STUCK.includes(w.reason));
  if (!waiting) return;
  const pull = /Image|ImageName/.test(waiting.reason!);
  throw new DrillError(
    pull ? 'missing-prerequisite' : 'error',
    `${where}: ${waiting.reason}${waiting.message ? ` (${waiting.message})` : ''}` +
      (pull
        ? `; the cluster cannot pull ${image}: build fixtures/images/drdrill/Dockerfile and push it to a registry the cluster reads (kind: "kind load image-archive"), or set environment.kubernetes.images.postgres / DRDRILL_IMAGE`
        : ''),
  );
}
