import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walToolPath } from '../environments/wal-tool.js';
import { ObjectStore } from '../objectstore/client.js';
import { standaloneEnvironment } from '../testing/standalone-env.js';
import { shellQuote } from '../util/process.js';
import { retryUntil } from '../util/retry.js';
import { pushWal } from './push.js';
import { restoreCommandWithSpool } from './restore-command.js';
import { segmentName } from './segments.js';

const seg = (n: number) => segmentName(1, n);

/**
 * The WAL prefetcher against a real S3 (s3rver) and the built WAL tool, in a data directory laid out as
 * PostgreSQL leaves it during recovery (recovery.signal, postmaster.pid naming a live process).
 */
describe('WAL prefetch: restore_command served from the spool, prefetcher bound to the recovery', () => {
  let close: () => Promise<void>;
  let dir: string;
  let data: string;
  let spool: string;
  let config: string;
  let postmaster: ChildProcess;
  const contents = new Map<string, Buffer>();

  beforeAll(async () => {
    const standalone = await standaloneEnvironment('prefetch');
    close = standalone.close;
    const store = new ObjectStore(standalone.env.objectStore);
    await store.ensureBucket();
    dir = join(standalone.env.workDir, 'instance');
    data = join(dir, 'data');
    spool = join(dir, 'wal-spool');
    mkdirSync(join(data, 'pg_wal'), { recursive: true });
    config = join(dir, 'wal-config.json');
    writeFileSync(config, JSON.stringify(standalone.env.objectStore));
    for (let n = 1; n <= 6; n++) {
      const bytes = randomBytes(1024 * 1024);
      contents.set(seg(n), bytes);
      writeFileSync(join(dir, 'segment'), bytes);
      await pushWal(store, join(dir, 'segment'), seg(n));
    }
    store.destroy();
    // Stands in for the postmaster: the prefetcher checks that the pid in postmaster.pid is alive.
    postmaster = spawn('sleep', ['600'], { stdio: 'ignore' });
    writeFileSync(join(data, 'postmaster.pid'), `${postmaster.pid}\n${data}\n`);
    writeFileSync(join(data, 'recovery.signal'), '');
  });

  afterAll(async () => {
    postmaster?.kill();
    await close?.();
  });

  /** restore_command as PostgreSQL runs it: through the shell, %f and %p replaced, in the data directory. */
  const restore = (name: string, prefetch = 3) => {
    const fetch = `${shellQuote(process.execPath)} --no-warnings ${shellQuote(walToolPath())} wal fetch --config ${shellQuote(config)} --spool ${shellQuote(spool)} --prefetch ${prefetch} %f %p`;
    const line = restoreCommandWithSpool(fetch, prefetch).replace(/%f/g, name).replace(/%p/g, 'pg_wal/RECOVERYXLOG');
    try {
      execFileSync('/bin/sh', ['-c', line], { cwd: data, stdio: 'ignore' });
      return 0;
    } catch (err) {
      return (err as { status: number }).status;
    }
  };
  const restored = () => readFileSync(join(data, 'pg_wal', 'RECOVERYXLOG'));
  const spooled = () => readdirSync(spool).filter((f) => /^[0-9A-F]{24}$/.test(f));
  const prefetcherPid = () => Number(readFileSync(join(spool, '.prefetcher'), 'utf8'));
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('downloads the next segments after the one asked for, and serves them from the spool', async () => {
    expect(restore(seg(1))).toBe(0);
    expect(restored().equals(contents.get(seg(1))!)).toBe(true);
    const ahead = await retryUntil(
      'three segments prefetched',
      async () => spooled().sort(),
      (s) => s.length === 3,
      {
        timeoutMs: 30_000,
        intervalMs: 50,
      },
    );
    expect(ahead).toEqual([seg(2), seg(3), seg(4)]);

    expect(restore(seg(2))).toBe(0);
    expect(restored().equals(contents.get(seg(2))!)).toBe(true);
    // Taken from the spool (moved, not copied), and the prefetcher moves on to the segment after the window.
    expect(spooled()).not.toContain(seg(2));
    expect(readFileSync(join(spool, '.wanted'), 'utf8').trim()).toBe(seg(2));
    await retryUntil(
      'segment 5 prefetched',
      async () => spooled(),
      (s) => s.includes(seg(5)),
      {
        timeoutMs: 30_000,
        intervalMs: 50,
      },
    );
  });

  it('answers "not in the archive" with exit 1 past the end, and a history file is fetched directly', () => {
    expect(restore(seg(7))).toBe(1);
    expect(restore('00000002.history')).toBe(1);
  });

  it('the prefetcher ends as soon as the server leaves recovery', async () => {
    const pid = prefetcherPid();
    expect(alive(pid)).toBe(true);
    rmSync(join(data, 'recovery.signal'));
    await retryUntil(
      'prefetcher exited',
      async () => alive(pid),
      (a) => !a,
      { timeoutMs: 10_000, intervalMs: 25 },
    );
    expect(existsSync(join(spool, '.prefetcher'))).toBe(false);
  });

  it('and as soon as the postmaster is gone', async () => {
    writeFileSync(join(data, 'recovery.signal'), '');
    expect(restore(seg(3))).toBe(0);
    const pid = prefetcherPid();
    expect(alive(pid)).toBe(true);
    postmaster.kill('SIGKILL');
    await retryUntil(
      'prefetcher exited',
      async () => alive(pid),
      (a) => !a,
      { timeoutMs: 10_000, intervalMs: 25 },
    );
  });
});
