import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { variant } from '../testing/journals.js';
import { inlineScenarios } from '../testing/run-cli.js';
import { describeTrial, randomTrial, trialRandom, trialsSummary } from './plan.js';
import { runTrial, type TrialMoment, type TrialResult } from './trial.js';

/**
 * The fault trials of `npm run trials`, smaller: a short accidental-delete drill interrupted (SIGINT) and
 * killed (SIGKILL, then `drdrill gc`) at chosen moments, plus one random moment whose seed is printed.
 * After each, no process, mount, port, work directory or directory of the drill may be left.
 */
const dir = inlineScenarios({
  'trial.yaml': variant('accidental-delete.yaml', [
    [/name: accidental-delete/, 'name: trial'],
    [/scale: 2000/, 'scale: 200'],
    [/before: 4s, after: 2s/, 'before: 1s, after: 0s'],
  ]),
});
const scenario = join(dir, 'trial.yaml');
const results: TrialResult[] = [];

async function trial(signal: 'SIGINT' | 'SIGKILL', at: TrialMoment): Promise<TrialResult> {
  const r = await runTrial({ scenario, drill: 'trial', signal, at });
  results.push(r);
  process.stdout.write(`trial: ${describeTrial(r.spec)} → ${r.outcome} in ${r.landedIn} (${r.seconds} s)\n`);
  return r;
}

describe('fault trials: nothing is left after an interrupt or a crash', () => {
  it.each<[string, TrialMoment]>([
    ['while initdb writes the data directory', { process: 'initdb', delayMs: 150 }],
    ['right after provisioning starts', { phase: 'provision', delayMs: 50 }],
    ['while the base backup streams', { process: 'pg_basebackup', delayMs: 100 }],
    ['during the restore', { phase: 'recover', delayMs: 400 }],
  ])('SIGINT %s: exit 130 and nothing left', async (_what, at) => {
    const r = await trial('SIGINT', at);
    expect(r.outcome, r.detail).toBe('interrupted');
    expect(r.leaks).toEqual([]);
  });

  it.each<[string, TrialMoment]>([
    ['while the workload writes', { phase: 'workload', delayMs: 300 }],
    ['while the base backup streams', { process: 'pg_basebackup', delayMs: 100 }],
  ])('SIGKILL of drdrill %s: drdrill gc removes everything it recorded', async (_what, at) => {
    const r = await trial('SIGKILL', at);
    expect(r.outcome).toBe('killed');
    expect(r.leaks).toEqual([]);
  });

  it('a random moment (seed printed; replay with DRDRILL_TRIAL_SEED)', async () => {
    const seed = Number(process.env.DRDRILL_TRIAL_SEED ?? Date.now() % 1_000_000);
    const rnd = trialRandom(seed);
    const signal = rnd() < 0.5 ? 'SIGINT' : 'SIGKILL';
    const spec = { ...randomTrial(rnd, signal, ['trial']), scenario };
    process.stdout.write(`trial: seed ${seed}\n`);
    const r = await trial(spec.signal, spec.at);
    expect(['interrupted', 'killed', 'missed']).toContain(r.outcome);
    expect(r.leaks).toEqual([]);
    process.stdout.write(`${trialsSummary(results)}\n`);
  });
});
