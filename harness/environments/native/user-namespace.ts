import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DrillError } from '../../engine/errors.js';
import { spawnChild } from '../../util/children.js';

/**
 * Size-limited volumes without root: an unprivileged user namespace (uid mapped to itself, so PostgreSQL still
 * runs as a normal user) with its own mount namespace, where tmpfs mounts give the same real ENOSPC as root's.
 * A small holder process lives in it with the capabilities to mount; PostgreSQL and the tools of an instance on
 * such a volume join it with nsenter; the harness reads and writes the volume's files through
 * /proc/<holder>/root, which shows the holder's mounts.
 */
const UNSHARE = ['--user', '--map-current-user', '--mount', '--keep-caps'];

// One request per line ("mount 96 /path", "remount 384 /path", "umount /path"), one answer per line ("0 ...").
const HOLDER_SCRIPT = `echo ready
while read -r op size dir; do
  case "$op" in
    mount) out=$(mount -t tmpfs -o "size=\${size}m,mode=0700" drdrill-tmpfs "$dir" 2>&1) ;;
    remount) out=$(mount -o "remount,size=\${size}m" "$dir" 2>&1) ;;
    umount) out=$(umount "$dir" 2>&1) ;;
    *) out="unknown request $op"; false ;;
  esac
  echo "$? $out" | tr '\\n' ' '
  echo
done`;

export class UserNamespace {
  private _queue: Promise<unknown> = Promise.resolve();
  private readonly _answers: { resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
  private _exited?: string;

  private constructor(private readonly _holder: ChildProcess) {
    createInterface({ input: _holder.stdout! }).on('line', (line) => this._answers.shift()?.resolve(line));
    _holder.once('exit', (code, signal) => {
      this._exited = `the user namespace holder (pid ${_holder.pid}) exited (${signal ?? code})`;
      for (const a of this._answers.splice(0)) a.reject(new DrillError('error', this._exited));
    });
  }

  /** Starts the holder; it ends by itself when drdrill goes away (its stdin closes). */
  static async start(): Promise<UserNamespace> {
    const holder = spawnChild(
      'unshare',
      [...UNSHARE, 'sh', '-c', HOLDER_SCRIPT],
      { stdio: ['pipe', 'pipe', 'pipe'] },
      { role: 'user namespace', transient: false },
    );
    const ns = new UserNamespace(holder);
    const ready = await ns._answer();
    if (ready !== 'ready') throw new DrillError('error', `the user namespace holder did not start: ${ready}`);
    return ns;
  }

  get pid(): number {
    return this._holder.pid!;
  }

  /** Where the harness finds `path` as processes in the namespace see it (with its mounts). */
  hostPath(path: string): string {
    return `/proc/${this.pid}/root${path}`;
  }

  /** The command that runs `file` inside the namespace, as the same user. */
  wrap(file: string, args: string[]): [string, string[]] {
    return [
      'nsenter',
      ['--target', String(this.pid), '--user', '--mount', '--preserve-credentials', '--', file, ...args],
    ];
  }

  mount(path: string, sizeMB: number): Promise<void> {
    return this._request(`mount ${sizeMB} ${path}`, `mount a ${sizeMB} MB tmpfs at ${path}`);
  }

  remount(path: string, sizeMB: number): Promise<void> {
    return this._request(`remount ${sizeMB} ${path}`, `grow the tmpfs at ${path} to ${sizeMB} MB`);
  }

  umount(path: string): Promise<void> {
    return this._request(`umount 0 ${path}`, `unmount ${path}`);
  }

  async stop(): Promise<void> {
    if (this._holder.exitCode !== null || this._holder.signalCode !== null) return;
    const exited = new Promise((resolve) => this._holder.once('exit', resolve));
    this._holder.stdin!.end();
    await exited;
  }

  private _answer(): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this._exited) reject(new DrillError('error', this._exited));
      else this._answers.push({ resolve, reject });
    });
  }

  private _request(line: string, what: string): Promise<void> {
    const run = async () => {
      const answer = this._answer();
      this._holder.stdin!.write(`${line}\n`);
      const [status, ...rest] = (await answer).trim().split(' ');
      if (status !== '0') throw new DrillError('error', `could not ${what} in the user namespace: ${rest.join(' ')}`);
    };
    const next = this._queue.then(run, run);
    this._queue = next.catch(() => {});
    return next;
  }
}

let support: { ok: true } | { ok: false; reason: string } | undefined;

/**
 * Whether this user can mount a tmpfs in a user namespace here; otherwise why not, naming the sysctl that
 * forbids it.
 */
export function userNamespaceSupport(): { ok: true } | { ok: false; reason: string } {
  if (support) return support;
  const dir = mkdtempSync(join(tmpdir(), 'drdrill-userns-'));
  try {
    const r = spawnSync(
      'unshare',
      [...UNSHARE, 'sh', '-c', 'mount -t tmpfs -o size=1m drdrill-probe "$0" && umount "$0"', dir],
      { encoding: 'utf8' },
    );
    if (r.status === 0) return (support = { ok: true });
    const why = r.error ? `unshare (util-linux) could not run: ${r.error.message}` : r.stderr.trim();
    return (support = {
      ok: false,
      reason: `${blockingSysctl() ?? 'unprivileged user namespaces are not available'}: ${why}`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readSysctl(name: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The sysctl that forbids unprivileged user namespaces here, in words, if one does. */
export function blockingSysctl(read: (name: string) => string | undefined = readSysctl): string | undefined {
  if (read('kernel.unprivileged_userns_clone') === '0')
    return 'unprivileged user namespaces are disabled (sysctl kernel.unprivileged_userns_clone = 0)';
  if (read('user.max_user_namespaces') === '0')
    return 'user namespaces are disabled (sysctl user.max_user_namespaces = 0)';
  if (read('kernel.apparmor_restrict_unprivileged_userns') === '1')
    return 'AppArmor restricts unprivileged user namespaces (sysctl kernel.apparmor_restrict_unprivileged_userns = 1)';
  return undefined;
}
