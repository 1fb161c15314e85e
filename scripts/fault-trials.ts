import { parseArgs } from 'node:util';
import { CORE_DRILLS, describeTrial, randomTrial, trialRandom, trialsSummary } from '../harness/trials/plan.js';
import { runTrial, type TrialResult, type TrialSpec } from '../harness/trials/trial.js';

/**
 * Fault trials (npm run trials): `--interrupts` SIGINTs and `--kills` SIGKILLs of drdrill itself, each at a
 * random moment (seeded by `--seed`) of a core drill, one drill at a time. After each, nothing may be left:
 * no process, mount, port, work directory or directory it created (after `drdrill gc` for a SIGKILL).
 *
 *   npm run trials -- --interrupts 50 --kills 10 --seed 1
 */
const { values } = parseArgs({
  options: {
    interrupts: { type: 'string', default: '50' },
    kills: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    drills: { type: 'string', default: CORE_DRILLS.join(',') },
  },
});
const rnd = trialRandom(Number(values.seed));
const drills = values.drills.split(',');
const wanted: [TrialSpec['signal'], number][] = [
  ['SIGINT', Number(values.interrupts)],
  ['SIGKILL', Number(values.kills)],
];
const results: TrialResult[] = [];
const total = wanted.reduce((n, [, c]) => n + c, 0);
for (const [signal, count] of wanted) {
  let done = 0;
  while (done < count) {
    const spec = randomTrial(rnd, signal, drills);
    const r = await runTrial(spec);
    const where = r.landedIn ? ` (in ${r.landedIn})` : '';
    process.stdout.write(
      `${r.outcome === 'missed' ? 'again' : `trial ${results.length + 1}/${total}`}: ${describeTrial(spec)}${where} → ${r.outcome} in ${r.seconds} s${r.leaks.length ? `; LEFT: ${r.leaks.join('; ')}` : ''}${r.detail ? ` (${r.detail})` : ''}\n`,
    );
    // A signal that came after the drill had ended tried nothing: draw another moment.
    if (r.outcome === 'missed' && !r.leaks.length) continue;
    results.push(r);
    done++;
  }
}
const phases = new Map<string, number>();
for (const r of results) phases.set(r.landedIn ?? '?', (phases.get(r.landedIn ?? '?') ?? 0) + 1);
process.stdout.write(`signals landed in: ${[...phases].map(([p, n]) => `${p} ${n}`).join(', ')}\n`);
process.stdout.write(`${trialsSummary(results)}\n`);
process.exitCode = results.some((r) => r.leaks.length || r.outcome === 'failed') ? 1 : 0;
