import { describe, expect, it } from 'vitest';
import { loadFixture } from '../../../reports/fixtures/index.js';
import '../vitest/index.js';

// The matchers' verdicts and messages, on realistic journals (one per verdict the reports render).
const fails = (fn: () => void) => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the assertion did not fail');
};

describe('drill matchers', () => {
  it('toPass: a failed drill names its failing check with the evidence, and the missed objective', () => {
    const failed = loadFixture('failed');
    expect(loadFixture('passed')).toPass();
    const message = fails(() => expect(failed).toPass());
    expect(message).toContain('expected drill "replica-failover" to pass, but it ended failed: check failed');
    expect(message).toContain(
      '  ✗ every acknowledged ledger write is present failed: 37 acknowledged writes are missing (seq 7412–7448)',
    );
    expect(message).toContain('      expected: 0\n      actual: 37\n      query: SELECT seq FROM drdrill_ledger');
    expect(message).toContain('standby replay_lsn 0/9A3F108 < primary flush_lsn 0/9A41E30 at the kill');
    expect(message).toContain('objectives not met:\n  ✗ rpo.lostAckedWrites = 0 rows: was 37 (missed)');
    expect(fails(() => expect(loadFixture('passed')).not.toPass())).toContain('not to pass, but it passed');
  });

  it('toPass: an errored drill names the phase and its error', () => {
    const message = fails(() => expect(loadFixture('error')).toPass());
    expect(message).toContain('phases that did not pass:\n  ✗ recover error: pg_restore exited with code 1');
  });

  it('toMeetObjectives lists every objective with its measurement; none declared fails', () => {
    expect(loadFixture('passed')).toMeetObjectives();
    const message = fails(() => expect(loadFixture('failed')).toMeetObjectives());
    expect(message).toContain('but 1 of 2 was not met');
    expect(message).toContain('  ✓ rto.serviceSeconds < 30s: was 4.382 (met)');
    expect(message).toContain('  ✗ rpo.lostAckedWrites = 0 rows: was 37 (missed)');
    expect(fails(() => expect(loadFixture('error')).toMeetObjectives())).toContain(
      '✗ rto.serviceSeconds < 300s: not measured (not-measured)',
    );
    const none = { ...loadFixture('passed'), objectives: [] };
    expect(fails(() => expect(none).toMeetObjectives())).toContain('its scenario declares none');
  });

  it('toLoseNoAcknowledgedWrites shows how many, which and where', () => {
    const message = fails(() => expect(loadFixture('failed')).toLoseNoAcknowledgedWrites());
    expect(message).toContain('but 37 acknowledged writes were lost');
    expect(message).toContain('lostAckedWrites: 37 of');
    expect(message).toContain('lost writes: seq 7412..7448');
    // PITR discards the writes after its target on purpose: they still count as lost acknowledged writes.
    const pitr = fails(() => expect(loadFixture('passed')).toLoseNoAcknowledgedWrites());
    expect(pitr).toContain('discardedAfterTarget: 312');
    const noWrites = loadFixture('passed');
    noWrites.measurements.rpo = { lostAckedWrites: 0 };
    noWrites.measurements.ledger!.acked = 0;
    expect(fails(() => expect(noWrites).toLoseNoAcknowledgedWrites())).toContain('no acknowledged writes');
    noWrites.measurements.ledger!.acked = 10;
    expect(noWrites).toLoseNoAcknowledgedWrites();
  });

  it('toRecoverWithin compares the service and data recovery times, with the steps as evidence', () => {
    const passed = loadFixture('passed');
    expect(passed).toRecoverWithin(42);
    const message = fails(() => expect(passed).toRecoverWithin(30));
    expect(message).toContain('expected drill "accidental-delete" to recover within 30s, but it took 41.217s');
    expect(message).toContain('steps: detect 0.492s, fetch-base-backup 9.884s, replay-wal 24.731s');
    passed.measurements.rto!.dataRestoredSeconds = 50;
    expect(fails(() => expect(passed).toRecoverWithin(45))).toContain('but it took 50s');
    expect(fails(() => expect(loadFixture('interrupted')).toRecoverWithin(600))).toContain(
      'no recovery time was measured (drill "cluster-loss" ended interrupted: SIGINT received (during recover))',
    );
  });

  it('refuses what is not a journal', () => {
    expect(fails(() => expect({ verdict: 'passed' }).toPass())).toContain(
      'expected a drdrill journal (what runDrill resolves with, or readJournal reads), got an object with keys verdict',
    );
  });
});
