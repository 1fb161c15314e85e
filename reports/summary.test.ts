import { describe, expect, test } from 'vitest';
import { loadFixture } from './fixtures/index.js';
import { plainSummary } from './summary.js';

describe('plain-words summary', () => {
  test('passed PITR drill: what, when, how long, what was lost, objectives', () => {
    const text = plainSummary(loadFixture('passed')).join(' ');
    expect(text).toContain(
      'Every row of the customers table was deleted (`DELETE FROM customers`) at 14:02:41 UTC on 2025-10-21.',
    );
    expect(text).toContain('It was restored in 41.2 s by point-in-time recovery');
    expect(text).toContain(
      'No acknowledged write from before the recovery point was lost; 312 writes acknowledged after it were discarded',
    );
    expect(text).toContain('Objective RTO < 120 s met (measured 41.2 s).');
    expect(text).toContain('Verdict: passed.');
  });

  test('failed failover: the lost writes and the missed objective are said plainly', () => {
    const text = plainSummary(loadFixture('failed')).join(' ');
    expect(text).toContain('The primary server was killed (SIGKILL) at 14:10:26 UTC');
    expect(text).toContain('37 acknowledged writes were lost');
    expect(text).toContain('Objective RPO = 0 writes missed (measured 37 writes).');
    expect(text).toContain('Verdict: failed: check failed: every acknowledged ledger write is present');
  });

  test('error and interrupted drills say what was not proven and why', () => {
    const error = plainSummary(loadFixture('error')).join(' ');
    expect(error).toContain(
      'The recovery (restoring the logical dump) did not finish: error — pg_restore exited with code 1',
    );
    expect(error).toContain('could not be assessed: it was not measured');
    expect(error).toContain('Verdict: error');
    const interrupted = plainSummary(loadFixture('interrupted')).join(' ');
    expect(interrupted).toContain('The whole database cluster was lost');
    expect(interrupted).toContain('did not finish: interrupted');
    expect(interrupted).toContain(
      'Verdict: interrupted — the drill was stopped before it finished, so recovery was not proven: SIGINT received (during recover).',
    );
  });

  test('a drill stopped before its fault does not claim the fault happened', () => {
    const journal = loadFixture('interrupted');
    journal.events = [];
    for (const p of journal.phases) if (['inject', 'detect', 'recover'].includes(p.name)) p.status = 'skipped';
    expect(plainSummary(journal)[0]).toBe(
      'The cluster-loss fault was never injected: the drill stopped before reaching that step.',
    );
  });
});
