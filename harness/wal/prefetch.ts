import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LazyStore } from './fetch.js';
import { isSegmentName, nextSegment } from './segments.js';

/**
 * WAL prefetch: one background process per recovery keeps the `depth` segments after the one PostgreSQL asked
 * for last downloaded into a spool directory, in parallel. restore_command (`wal fetch`) records what it was
 * asked for, takes segments from the spool, and starts the prefetcher when none is running.
 *
 * Spool files: `<segment>` (complete, sha256 checked), `<segment>.claim` (being downloaded; holds the
 * prefetcher's pid), `.wanted` (the last segment asked for), `.prefetcher` (its pid). restore_command takes a
 * spooled segment in the shell (restore-command.ts), and runs `wal fetch` only for the others.
 */
const WANTED = '.wanted';
const PID_FILE = '.prefetcher';
const POLL_MS = 25;
/** No request for this long: recovery is paused or over. */
const IDLE_MS = 15_000;
/** A segment the archive does not hold yet is asked for again after this long. */
const MISSING_RETRY_MS = 1000;

export function markWanted(spool: string, name: string): void {
  const tmp = join(spool, `${WANTED}.tmp`);
  writeFileSync(tmp, name);
  renameSync(tmp, join(spool, WANTED));
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | undefined {
  try {
    // postmaster.pid holds the pid on its first line; the others hold only a pid.
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]!.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of the prefetcher downloading `name`, if one claimed it. */
export function claimHolder(spool: string, name: string): number | undefined {
  return readPid(join(spool, `${name}.claim`));
}

/** Starts the prefetcher for this spool unless one is running. It inherits the data directory as cwd. */
export function ensurePrefetcher(spool: string, depth: number, config: string): void {
  const pid = readPid(join(spool, PID_FILE));
  if (pid && processAlive(pid)) return;
  const child = spawn(
    process.execPath,
    ['--no-warnings', process.argv[1]!, 'wal', 'prefetch', '--config', config, '--spool', spool, String(depth)],
    { detached: true, stdio: 'ignore' },
  );
  writeFileSync(join(spool, PID_FILE), String(child.pid));
  child.unref();
}

/**
 * The prefetcher's loop. It ends as soon as its work is over: the server left recovery (no recovery.signal or
 * standby.signal in its cwd, the data directory), the postmaster is gone, the spool was removed, or nothing
 * was asked for in a while. A download it does not finish is fetched by restore_command itself.
 */
export async function runPrefetcher(store: LazyStore, spool: string, depth: number): Promise<void> {
  writeFileSync(join(spool, PID_FILE), String(process.pid));
  const inFlight = new Set<string>();
  const missing = new Map<string, number>();
  let wanted: { name: string; at: number } | undefined;
  while (recoveryGoesOn(spool)) {
    // The shell fast path rewrites the file in place: a read in the middle of it is ignored.
    wanted = readWanted(spool) ?? wanted;
    if (!wanted || Date.now() - wanted.at > IDLE_MS) break;
    const last = wanted.name;
    const ahead = Array.from({ length: depth }, (_, i) => nextSegment(last, i + 1));
    removeUnwanted(spool, new Set([last, ...ahead]));
    for (const name of ahead) {
      if (inFlight.size >= depth) break;
      if (inFlight.has(name) || existsSync(join(spool, name)) || (missing.get(name) ?? 0) > Date.now()) continue;
      inFlight.add(name);
      void fetchInto(store, spool, name)
        .then((found) => {
          if (!found) missing.set(name, Date.now() + MISSING_RETRY_MS);
        })
        .finally(() => inFlight.delete(name));
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  for (const name of inFlight) unlinkQuietly(join(spool, `${name}.claim`));
  if (readPid(join(spool, PID_FILE)) === process.pid) unlinkQuietly(join(spool, PID_FILE));
}

async function fetchInto(store: LazyStore, spool: string, name: string): Promise<boolean> {
  const target = join(spool, name);
  const claim = `${target}.claim`;
  writeFileSync(claim, String(process.pid));
  try {
    const { downloadWal } = await import('./download.js');
    const data = await downloadWal(await store(), name);
    if (!data) return false;
    await writeFile(`${target}.tmp`, data);
    await rename(`${target}.tmp`, target);
    return true;
  } catch {
    // Not an error here: restore_command downloads the segment itself and reports what went wrong.
    return false;
  } finally {
    unlinkQuietly(claim);
  }
}

function recoveryGoesOn(spool: string): boolean {
  if (!existsSync(spool)) return false;
  if (!existsSync('recovery.signal') && !existsSync('standby.signal')) return false;
  const postmaster = readPid('postmaster.pid');
  return !!postmaster && processAlive(postmaster);
}

function readWanted(spool: string): { name: string; at: number } | undefined {
  try {
    const file = join(spool, WANTED);
    const name = readFileSync(file, 'utf8').trim();
    return isSegmentName(name) ? { name, at: statSync(file).mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

/** Segments behind the one asked for (or of another timeline) are not asked for again: free their space. */
function removeUnwanted(spool: string, keep: Set<string>): void {
  for (const f of readdirSync(spool)) if (isSegmentName(f) && !keep.has(f)) unlinkQuietly(join(spool, f));
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
