import { shellQuote } from '../../util/process.js';

/** Where things live inside a PostgreSQL pod, under the layout's root ("" in a real cluster). */
export function podPaths(root: string) {
  const r = root.replace(/\/$/, '');
  return {
    /** The data PVC's mount point; the data directory is a sub-directory (the volume root may hold lost+found). */
    dataMount: `${r}/var/lib/postgresql/drdrill`,
    data: `${r}/var/lib/postgresql/drdrill/pgdata`,
    walMount: `${r}/var/lib/postgresql/drdrill-wal`,
    wal: `${r}/var/lib/postgresql/drdrill-wal/pg_wal`,
    /** An emptyDir: control files, sockets, the WAL tool, copies of the credentials with private modes. */
    scratch: `${r}/drdrill`,
    bin: `${r}/drdrill/bin`,
    private: `${r}/drdrill/private`,
    run: `${r}/drdrill/run`,
    home: `${r}/drdrill/home`,
    spool: `${r}/drdrill/wal-spool`,
    log: `${r}/drdrill/log/postgres.log`,
    /** The Secret volume (read-only, group-readable through fsGroup: copied to private/ at start). */
    secrets: `${r}/drdrill-secrets`,
  };
}

export type PodPaths = ReturnType<typeof podPaths>;

export const POSTGRES_CONTAINER = 'postgres';
export const POD_READY_FILE = 'ready';

/**
 * PID 1 of a PostgreSQL pod. It keeps the pod up while PostgreSQL is stopped (offline tools, restores,
 * corruption while stopped), and starts the postmaster when the harness asks for it by creating run/start.
 * It records the postmaster's exit status in run/exit, so a crash (a WAL PANIC) is seen like a process exit.
 * A new pod (after a pod delete) starts with PostgreSQL down, like a machine that rebooted.
 */
export function supervisorScript(p: PodPaths, walVolume: boolean): string {
  const q = shellQuote;
  return [
    'set -u',
    'umask 077',
    `mkdir -p ${[p.bin, p.private, p.run, p.home, p.spool, `${p.scratch}/log`].map(q).join(' ')}`,
    `for f in ${q(p.secrets)}/*; do [ -f "$f" ] && cat "$f" > ${q(p.private)}/"\${f##*/}"; done`,
    `mkdir -p ${q(p.data)} && chmod 0700 ${q(p.data)}`,
    ...(walVolume ? [`mkdir -p ${q(p.wal)} && chmod 0700 ${q(p.wal)}`] : []),
    `rm -f ${q(p.run)}/start ${q(p.run)}/postmaster`,
    'pid=',
    `trap '[ -n "$pid" ] && kill -INT "$pid"; wait; exit 0' TERM INT`,
    `echo up > ${q(p.run)}/${POD_READY_FILE}`,
    'while :; do',
    `  if [ -e ${q(p.run)}/start ]; then`,
    `    rm -f ${q(p.run)}/start ${q(p.run)}/exit`,
    `    postgres -D ${q(p.data)} >> ${q(p.log)} 2>&1 &`,
    '    pid=$!',
    `    echo "$pid" > ${q(p.run)}/postmaster`,
    `    wait "$pid"; echo "$?" > ${q(p.run)}/exit`,
    `    pid=; rm -f ${q(p.run)}/postmaster`,
    '  fi',
    '  sleep 0.2',
    'done',
  ].join('\n');
}

/**
 * Runs `command` with exactly `length` bytes of stdin: exec cannot half-close stdin on the v4 protocol, so
 * the command must not wait for end-of-file.
 */
export function readExactly(length: number, command: string[]): string[] {
  return ['/bin/sh', '-c', 'n="$1"; shift; head -c "$n" | "$@"', 'sh', String(length), ...command];
}

/** A shell script as an exec command. */
export function sh(script: string): string[] {
  return ['/bin/sh', '-c', script];
}
