import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Facts about processes, ports and mounts read from /proc (Linux). A PID alone can be reused by another
 * program: a process is identified by its PID and its start time (clock ticks after boot, /proc/<pid>/stat).
 */
interface Stat {
  state: string;
  ppid: number;
  pgid: number;
  startTime: string;
}

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ")".
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]), pgid: Number(fields[2]), startTime: fields[19]! };
  } catch {
    return undefined;
  }
}

/** The start time of a running process, or undefined when there is none (or only its zombie). */
export function processStartTime(pid: number): string | undefined {
  const s = stat(pid);
  return s && s.state !== 'Z' ? s.startTime : undefined;
}

/** Whether `pid` is still the process that was recorded with `startTime`. */
export function isSameProcess(pid: number, startTime: string): boolean {
  return processStartTime(pid) === startTime;
}

/** Live processes in process group `pgid` that started no earlier than its leader did. */
export function processGroupMembers(pgid: number, leaderStartTime: string): number[] {
  return allPids().filter((pid) => {
    const s = stat(pid);
    return !!s && s.state !== 'Z' && s.pgid === pgid && BigInt(s.startTime) >= BigInt(leaderStartTime);
  });
}

/** Live children of `ppid`, with their start times and command lines. */
export function childProcesses(ppid: number): { pid: number; startTime: string; cmd: string }[] {
  return allPids().flatMap((pid) => {
    const s = stat(pid);
    if (!s || s.state === 'Z' || s.ppid !== ppid) return [];
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      // Gone meanwhile.
    }
    return [{ pid, startTime: s.startTime, cmd }];
  });
}

export function allPids(): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
}

/** Processes whose command line or working directory lies under `dir` (e.g. an archive_command). */
export function processesUnder(dir: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // Another user's process: its cwd is not ours to read.
      }
      if (cmd.includes(dir) || cwd === dir || cwd.startsWith(`${dir}/`)) out.push({ pid, cmd });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** TCP ports something listens on (IPv4 and IPv6) in this network namespace. */
export function listeningPorts(): Set<number> {
  return new Set(listeningSockets().values());
}

/** Listening TCP sockets in this network namespace: socket inode to port. */
export function listeningSockets(): Map<string, number> {
  const byInode = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A') byInode.set(cols[9]!, parseInt(cols[1]!.split(':').at(-1)!, 16));
    }
  }
  return byInode;
}

/** Mount points in this process's mount namespace. */
export function mountPoints(): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[1]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}
