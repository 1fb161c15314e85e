import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../testing/run-cli.js';
import { restoreCommandWithSpool } from './restore-command.js';

/** Runs a restore_command the way PostgreSQL does: %f and %p replaced, through /bin/sh, in the data directory. */
function run(command: string, cwd: string, name: string): number {
  const line = command.replace(/%f/g, name).replace(/%p/g, 'pg_wal/RECOVERYXLOG');
  try {
    execFileSync('/bin/sh', ['-c', line], { cwd, stdio: 'ignore' });
    return 0;
  } catch (err) {
    return (err as { status: number }).status;
  }
}

describe('restore_command with the spool fast path', () => {
  const setup = (spoolName: string) => {
    const root = tempDir('drdrill-restore-cmd-');
    const data = join(root, 'data');
    const spool = join(root, spoolName);
    mkdirSync(join(data, 'pg_wal'), { recursive: true });
    mkdirSync(spool);
    // Stands in for `wal fetch`: records that it ran and answers "not in the archive".
    writeFileSync(join(root, 'fetch.sh'), `echo "fetch $3" > '${join(root, 'fell-back')}'; exit 1\n`);
    const fallback = `/bin/sh '${join(root, 'fetch.sh')}' --spool '${spool}' %f %p`;
    return { root, data, spool, fallback };
  };

  it('moves a prefetched segment into place and records it, without running wal fetch', () => {
    const { root, data, spool, fallback } = setup('wal spool');
    const segment = '000000010000000000000003';
    writeFileSync(join(spool, segment), 'segment bytes');
    const command = restoreCommandWithSpool(fallback, 4);
    expect(run(command, data, segment)).toBe(0);
    expect(readFileSync(join(data, 'pg_wal', 'RECOVERYXLOG'), 'utf8')).toBe('segment bytes');
    expect(readFileSync(join(spool, '.wanted'), 'utf8').trim()).toBe(segment);
    expect(existsSync(join(spool, segment))).toBe(false);
    expect(existsSync(join(root, 'fell-back'))).toBe(false);
  });

  it('runs wal fetch, with its exit code, for anything not in the spool', () => {
    const { root, data, fallback } = setup('spool');
    const command = restoreCommandWithSpool(fallback, 4);
    expect(run(command, data, '00000002.history')).toBe(1);
    expect(readFileSync(join(root, 'fell-back'), 'utf8').trim()).toBe('fetch 00000002.history');
  });

  it('is the plain fetch command without prefetch or without a spool', () => {
    expect(restoreCommandWithSpool("node wal-tool.cjs wal fetch --spool '/s p' %f %p", 0)).toBe(
      "node wal-tool.cjs wal fetch --spool '/s p' %f %p",
    );
    expect(restoreCommandWithSpool('node wal-tool.cjs wal fetch %f %p', 4)).toBe('node wal-tool.cjs wal fetch %f %p');
  });
});
