import type { PhaseName } from '../engine/journal.js';
import { drillPhases } from '../engine/phases.js';
import { seededRandom } from '../util/seeded-random.js';
import type { TrialResult, TrialSpec } from './trial.js';

/** The core drills (`npm run drills`), each as its shipped scenario. */
export const CORE_DRILLS = ['accidental-delete', 'corruption', 'disk-full', 'cluster-loss', 'replica-failover'];

/** Every phase of a drill with a fault, in order. */
const PHASES: PhaseName[] = ['provision', ...drillPhases(true).map((p) => p.name), 'teardown'];

/**
 * A random moment in a random core drill: a phase, then up to 1.5 s into it (a signal that lands after a short
 * phase ends hits the next one). One in eight lands while initdb runs, where a Ctrl-C once left the work
 * directory behind.
 */
export function randomTrial(rnd: () => number, signal: TrialSpec['signal'], drills = CORE_DRILLS): TrialSpec {
  const drill = drills[Math.floor(rnd() * drills.length)]!;
  const delayMs = Math.round(rnd() * 1500);
  const at =
    rnd() < 1 / 8
      ? { process: 'initdb', delayMs: Math.round(delayMs / 3) }
      : { phase: PHASES[Math.floor(rnd() * PHASES.length)]!, delayMs };
  return { scenario: `scenarios/${drill}.yaml`, drill, signal, at };
}

export function trialRandom(seed: number): () => number {
  return seededRandom(seed);
}

export function describeTrial(spec: TrialSpec): string {
  const at = 'phase' in spec.at ? spec.at.phase : `${spec.at.process} running`;
  return `${spec.signal} ${spec.drill} ${(spec.at.delayMs / 1000).toFixed(1)} s into ${at}`;
}

/** `50 interrupted, 10 killed, 0 leaks`, or naming each leak (and any trial that did not end as it should). */
export function trialsSummary(results: TrialResult[]): string {
  const interrupted = results.filter((r) => r.outcome === 'interrupted').length;
  const killed = results.filter((r) => r.outcome === 'killed').length;
  const leaks = results.flatMap((r) => r.leaks.map((l) => `${describeTrial(r.spec)}: ${l}`));
  const failed = results.filter((r) => r.outcome === 'failed').map((r) => `${describeTrial(r.spec)}: ${r.detail}`);
  return [
    `${interrupted} interrupted, ${killed} killed, ${leaks.length} leaks${leaks.length ? `: ${leaks.join('; ')}` : ''}`,
    ...(failed.length ? [`${failed.length} did not end interrupted: ${failed.join('; ')}`] : []),
  ].join('\n');
}
