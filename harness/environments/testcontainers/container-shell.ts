import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import tar from 'tar-stream';
import type { ContainerRuntimeClient } from 'testcontainers';
import { DrillError } from '../../engine/errors.js';
import { shellQuote } from '../../util/process.js';
import type { ToolResult } from '../types.js';

export type Dockerode = ContainerRuntimeClient['container']['dockerode'];
type DockerContainer = ReturnType<Dockerode['getContainer']>;

export interface ExecOptions {
  user?: string;
  env?: Record<string, string>;
  workingDir?: string;
  /** Bytes fed to the command's stdin: staged in a file inside the container first. */
  stdin?: Readable | Buffer | string;
  /** Stream stdout here instead of buffering it. */
  stdout?: Writable;
  allowFailure?: boolean;
  timeoutMs?: number;
  /** Keep stdout as bytes (file reads); otherwise decoded as UTF-8. */
  binary?: boolean;
}

export interface ExecResult extends ToolResult {
  bytes: Buffer;
}

const MAX_CAPTURE = 8 * 1024 * 1024;
const STAGING_DIR = '/tmp';

/**
 * Commands and files in one container through the Docker Engine API (Docker or podman): exec with the output
 * demultiplexed, files in and out as tar archives. Stdin is staged as a file so that no engine has to support
 * half-closing a hijacked connection.
 */
export class ContainerShell {
  readonly container: DockerContainer;

  constructor(
    readonly docker: Dockerode,
    readonly id: string,
    private readonly _label: string,
  ) {
    this.container = docker.getContainer(id);
  }

  async exec(cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    let command = cmd;
    let staged: string | undefined;
    if (opts.stdin !== undefined) {
      staged = posix.join(STAGING_DIR, `drdrill-stdin-${randomBytes(6).toString('hex')}`);
      const { stdin } = opts;
      await this.putFile(staged, typeof stdin === 'string' || Buffer.isBuffer(stdin) ? stdin : await collect(stdin), {
        mode: 0o644,
      });
      command = ['/bin/sh', '-c', `"$0" "$@" < ${shellQuote(staged)}`, ...cmd];
    }
    const shown = cmd.map(shellQuote).join(' ');
    const started = performance.now();
    try {
      const exec = await this._createExec(command, opts);
      const stream = await exec.start({ hijack: true, stdin: false });
      const out: Buffer[] = [];
      let outBytes = 0;
      const err: Buffer[] = [];
      const stdout = opts.stdout ?? new PassThrough();
      const stderr = new PassThrough();
      if (!opts.stdout)
        stdout.on('data', (d: Buffer) => {
          if (outBytes < MAX_CAPTURE || opts.binary) {
            out.push(d);
            outBytes += d.length;
          }
        });
      stderr.on('data', (d: Buffer) => err.push(d));
      this.docker.modem.demuxStream(stream, stdout, stderr);
      await new Promise<void>((resolve, reject) => {
        const timer = opts.timeoutMs
          ? setTimeout(
              () =>
                reject(
                  new DrillError('error', `${this._label}: ${shown} did not finish within ${opts.timeoutMs! / 1000} s`),
                ),
              opts.timeoutMs,
            )
          : undefined;
        const done = () => {
          if (timer) clearTimeout(timer);
          resolve();
        };
        stream.once('end', done);
        stream.once('close', done);
        stream.once('error', (e: Error) => {
          if (timer) clearTimeout(timer);
          reject(e);
        });
      });
      // Like a child process's stdout piped to it: the caller's stream ends with the command's output.
      if (opts.stdout) await new Promise<void>((resolve) => opts.stdout!.end(resolve));
      const info = await exec.inspect();
      const bytes = Buffer.concat(out);
      const result: ExecResult = {
        command: shown,
        code: info.ExitCode ?? 137,
        stdout: opts.binary ? '' : bytes.toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        seconds: (performance.now() - started) / 1000,
        bytes,
      };
      if (result.code !== 0 && !opts.allowFailure) {
        const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-5).join(' | ');
        throw new DrillError(
          result.code === 127 ? 'missing-prerequisite' : 'error',
          `${this._label}: ${shown} exited ${result.code}: ${detail}`,
        );
      }
      return result;
    } catch (err) {
      if (err instanceof DrillError) throw err;
      throw new DrillError('error', `${this._label}: ${shown}: ${engineMessage(err)}`, { cause: err });
    } finally {
      if (staged) await this.exec(['rm', '-f', staged], { allowFailure: true }).catch(() => {});
    }
  }

  /** Start a long-running command (the postmaster) whose output is streamed; resolves with its exit code. */
  async spawn(
    cmd: string[],
    opts: { user?: string; env?: Record<string, string>; workingDir?: string; output: Writable },
  ): Promise<{ exit: Promise<number | null> }> {
    const exec = await this._createExec(cmd, opts);
    const stream = await exec.start({ hijack: true, stdin: false });
    const sink = new PassThrough();
    sink.pipe(opts.output, { end: false });
    this.docker.modem.demuxStream(stream, sink, sink);
    const exit = new Promise<number | null>((resolve) => {
      const done = () =>
        exec.inspect().then(
          (i) => resolve(i.ExitCode ?? null),
          () => resolve(null),
        );
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', () => resolve(null));
    });
    return { exit };
  }

  private _createExec(cmd: string[], opts: { user?: string; env?: Record<string, string>; workingDir?: string }) {
    return this.container.exec({
      Cmd: cmd,
      AttachStdout: true,
      AttachStderr: true,
      ...(opts.user ? { User: opts.user } : {}),
      ...(opts.workingDir ? { WorkingDir: opts.workingDir } : {}),
      ...(opts.env ? { Env: Object.entries(opts.env).map(([k, v]) => `${k}=${v}`) } : {}),
    });
  }

  /** Write one file with the given owner and mode; its directory is created (as the owner) when missing. */
  async putFile(path: string, data: Buffer | string, opts: FileOptions = {}): Promise<void> {
    const dir = posix.dirname(path);
    const attempt = () => this._putArchive(packFiles([{ path: posix.basename(path), data, ...opts }]), dir);
    try {
      await attempt();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw this._archiveError(err, dir);
      await this.exec(['mkdir', '-p', dir], opts.owner ? { user: opts.owner.user } : {});
      await attempt().catch((e: unknown) => {
        throw this._archiveError(e, dir);
      });
    }
  }

  /** Write several files in one archive, at absolute paths whose directories exist. */
  async putFiles(files: ({ path: string; data: Buffer | string } & FileOptions)[]): Promise<void> {
    await this._putArchive(packFiles(files.map((f) => ({ ...f, path: f.path.replace(/^\//, '') }))), '/').catch(
      (e: unknown) => {
        throw this._archiveError(e, '/');
      },
    );
  }

  /** Extract a tar stream at a directory inside the container (the engine's archive API). */
  async putArchive(archive: NodeJS.ReadableStream, dir: string): Promise<void> {
    await this._putArchive(archive, dir).catch((e: unknown) => {
      throw this._archiveError(e, dir);
    });
  }

  private async _putArchive(archive: NodeJS.ReadableStream, dir: string): Promise<void> {
    await this.container.putArchive(archive, { path: dir });
  }

  private _archiveError(err: unknown, dir: string): DrillError {
    return new DrillError('error', `${this._label}: copying an archive to ${dir} failed: ${engineMessage(err)}`, {
      cause: err,
    });
  }

  async readFile(path: string): Promise<Buffer> {
    const r = await this.exec(['cat', path], { binary: true, allowFailure: true });
    if (r.code !== 0) throw new DrillError('error', `${this._label}: cannot read ${path}: ${r.stderr.trim()}`);
    return r.bytes;
  }

  async state(): Promise<'running' | 'stopped' | 'gone'> {
    try {
      const info = await this.container.inspect();
      return info.State.Running ? 'running' : 'stopped';
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return 'gone';
      throw new DrillError('error', `${this._label}: ${engineMessage(err)}`, { cause: err });
    }
  }

  async remove(): Promise<void> {
    await this.container.remove({ force: true, v: true }).catch((err: { statusCode?: number }) => {
      if (err.statusCode !== 404)
        throw new DrillError('error', `${this._label}: removing the container failed: ${engineMessage(err)}`, {
          cause: err,
        });
    });
  }
}

export interface FileOptions {
  mode?: number;
  owner?: { user: string; uid: number; gid: number };
}

function packFiles(files: ({ path: string; data: Buffer | string } & FileOptions)[]): NodeJS.ReadableStream {
  const pack = tar.pack();
  for (const f of files) {
    pack.entry(
      { name: f.path, mode: f.mode ?? 0o600, uid: f.owner?.uid ?? 0, gid: f.owner?.gid ?? 0 },
      typeof f.data === 'string' ? Buffer.from(f.data) : f.data,
    );
  }
  pack.finalize();
  return pack as unknown as NodeJS.ReadableStream;
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

/** The engine's own message (dockerode wraps it as "(HTTP code 500) server error - ..."). */
export function engineMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string };
  return e?.json?.message ?? e?.message ?? String(err);
}
