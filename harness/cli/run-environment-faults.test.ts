import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../engine/exit-codes.js';
import { tmpfsSupport } from '../environments/native/tmpfs-volume.js';
import { findLeaks, ResourceWatch } from '../trials/leaks.js';
import { journalOf, variant } from '../testing/journals.js';
import { DRDRILL_BIN, inlineScenarios, runCli, tempOutDir, workDir } from '../testing/run-cli.js';
import { packageRoot } from '../util/paths.js';

/** Faults of what the drill runs on rather than of the database: each is named, never passed, cleaned up. */
const dir = inlineScenarios({
  'restore.yaml': variant('accidental-delete.yaml', [
    [/name: accidental-delete/, 'name: restore'],
    [/scale: 2000/, 'scale: 200'],
    [/before: 4s, after: 2s/, 'before: 1s, after: 0s'],
  ]),
  'bad-setting.yaml': `apiVersion: drdrill/v1
kind: Drill
metadata: { name: bad-setting }
environment: { postgres: { settings: { shared_buffers: "lots" } } }
dataset: { scale: 100 }
`,
});

describe('the object store killed during the restore', () => {
  it.each([
    ['as the recovery starts (the damaged primary archives its last WAL)', 'recover …', undefined],
    ['while the restored instance replays WAL', undefined, 'postgres restored'],
  ])('%s: the drill ends error or failed naming the object store, and nothing is left', async (_when, line, role) => {
    const out = tempOutDir();
    const work = workDir();
    const watch = new ResourceWatch(work);
    watch.start(20);
    let killed: number | undefined;
    const killStore = () => {
      const s3 = [...watch.processes.values()].find((p) => p.role === 's3rver');
      if (killed || !s3) return;
      killed = s3.pid;
      process.kill(s3.pid, 'SIGKILL');
    };
    const roleWatch = role
      ? setInterval(() => {
          if (watch.poll().some((s) => s.processes.some((p) => p.role === role))) setTimeout(killStore, 200);
        }, 20)
      : undefined;
    const r = await runCli(['run', join(dir, 'restore.yaml'), '--out', out, '--reporter', 'json'], {
      env: { DRDRILL_WORK_DIR: work },
      onStdout: (chunk) => {
        if (line && chunk.includes(line)) setTimeout(killStore, 300);
      },
    });
    clearInterval(roleWatch);
    watch.stop();
    expect(killed, 'the object store was killed').toBeDefined();
    const j = journalOf(out, 'restore');
    expect(['error', 'failed']).toContain(j.verdict);
    expect(r.code).toBe(EXIT_CODES[j.verdict as 'error' | 'failed']);
    expect(j.reason).toMatch(
      /the object store http:\/\/127\.0\.0\.1:\d+ \(bucket drdrill-restore-[^)]+\) does not answer: ECONNREFUSED/,
    );
    expect(j.phases.find((p) => p.name === 'recover')!.status).toBe(j.verdict);
    expect(await findLeaks(watch)).toEqual([]);
  });
});

describe('PostgreSQL that refuses to start', () => {
  it('a bad setting in the scenario: error, with the server log line in the message', async () => {
    const out = tempOutDir();
    const work = workDir();
    const r = await runCli(['run', join(dir, 'bad-setting.yaml'), '--out', out, '--reporter', 'json'], {
      env: { DRDRILL_WORK_DIR: work },
    });
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.error);
    const j = journalOf(out, 'bad-setting');
    expect(j.verdict).toBe('error');
    expect(j.reason).toMatch(
      /^provision: primary: postgres exited during startup; log: .*invalid value for parameter "shared_buffers": "lots"/,
    );
    expect(j.phases.find((p) => p.name === 'teardown')!.status).toBe('passed');
  });
});

describe("the work directory's disk full", () => {
  // The test mounts the small tmpfs itself: as root, or in an unprivileged user namespace.
  const mounts = tmpfsSupport();
  it.skipIf(!mounts.ok)(
    'DRDRILL_WORK_DIR on a 16 MB tmpfs: error naming the work directory, and nothing left on it',
    () => {
      const out = tempOutDir();
      const mountPoint = workDir();
      // A private mount namespace: as root a plain one, otherwise an unprivileged user namespace (same uid).
      const ns = process.getuid?.() === 0 ? ['--mount'] : ['--user', '--map-current-user', '--mount', '--keep-caps'];
      const script = `mount -t tmpfs -o size=16m,mode=0755 drdrill-test "$0" || exit 99
"$@"; rc=$?
echo "left on the tmpfs: [$(ls -A "$0")]"
exit $rc`;
      let stdout: string;
      let code = 0;
      try {
        stdout = execFileSync(
          'unshare',
          [
            ...ns,
            'sh',
            '-c',
            script,
            mountPoint,
            process.execPath,
            DRDRILL_BIN,
            'run',
            'smoke',
            '--out',
            out,
            '--reporter',
            'json',
          ],
          { cwd: packageRoot(), env: { ...process.env, CI: 'true', DRDRILL_WORK_DIR: mountPoint }, encoding: 'utf8' },
        );
      } catch (err) {
        const e = err as { status: number; stdout: string };
        code = e.status;
        stdout = e.stdout;
      }
      expect(code, stdout).toBe(EXIT_CODES.error);
      const j = journalOf(out, 'smoke');
      expect(j.verdict).toBe('error');
      expect(j.reason).toMatch(
        new RegExp(
          `^provision: the work directory ${mountPoint}/drdrill-smoke-[^ ]+ ran out of space \\(its filesystem holds 16 MB, .*No space left on device`,
        ),
      );
      expect(stdout).toContain('left on the tmpfs: []');
    },
  );
});
