import { describe, expect, it, vi } from 'vitest';
import type { PhaseRecord } from '../engine/journal.js';
import { Progress } from './progress.js';

/** A terminal that applies the escape sequences Progress uses (cursor up N lines, erase below). */
function fakeTerminal(tty: boolean) {
  const screen: string[] = [''];
  const out = {
    isTTY: tty,
    columns: 60,
    write(chunk: string) {
      // ESC shown as ⎋ so the patterns below hold no control character.
      for (const part of chunk.replaceAll('\x1b', '⎋').split(/(⎋\[\d*F|⎋\[J|\n)/)) {
        const up = /^⎋\[(\d*)F$/.exec(part);
        if (up) {
          screen.splice(screen.length - 1 - Number(up[1] || 1));
          screen.push('');
        } else if (part === '⎋[J') screen[screen.length - 1] = '';
        else if (part === '\n') screen.push('');
        else screen[screen.length - 1] += part;
      }
      return true;
    },
  };
  return { out: out as unknown as NodeJS.WriteStream, lines: () => screen.slice(0, -1) };
}

const record = (name: PhaseRecord['name'], seconds: number): PhaseRecord => ({
  name,
  start: new Date().toISOString(),
  end: new Date().toISOString(),
  seconds,
  status: 'passed',
});

describe('Progress with drills running at the same time', () => {
  it('on a TTY: finished phases scroll above one live line per running drill', () => {
    vi.stubEnv('CI', '');
    const term = fakeTerminal(true);
    const p = new Progress(term.out);
    p.phase('a', 'provision', 'begin');
    p.phase('b', 'provision', 'begin');
    expect(term.lines()).toEqual([
      expect.stringMatching(/^ {2}a › provision 0\.\ds$/),
      expect.stringMatching(/^ {2}b › provision/),
    ]);
    p.phase('a', 'provision', 'end', record('provision', 1.5));
    p.phase('a', 'seed', 'begin');
    expect(term.lines()).toEqual([
      '  ✔ a › provision 1.50s',
      expect.stringMatching(/^ {2}b › provision/),
      expect.stringMatching(/^ {2}a › seed/),
    ]);
    p.verdict('b', 'failed', 'check failed');
    p.stop();
    expect(term.lines()).toEqual(['  ✔ a › provision 1.50s', '✘ b: FAILED — check failed']);
  });

  it('when piped: plain lines, each naming its drill', () => {
    const term = fakeTerminal(false);
    const p = new Progress(term.out);
    p.phase('a', 'provision', 'begin');
    p.phase('b', 'provision', 'begin');
    p.phase('b', 'provision', 'end', record('provision', 1));
    p.stop();
    expect(term.lines()).toEqual(['a › provision …', 'b › provision …', '✔ b › provision 1.00s']);
  });
});
