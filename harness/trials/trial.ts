import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_CODES } from '../engine/exit-codes.js';
import type { Journal, PhaseName } from '../engine/journal.js';
import { DRDRILL_BIN } from '../testing/run-cli.js';
import { packageRoot } from '../util/paths.js';
import { findLeaks, ResourceWatch } from './leaks.js';

/** When a trial's signal lands: some time after a phase began, or after a process of a role started. */
export type TrialMoment = { phase: PhaseName; delayMs: number } | { process: string; delayMs: number };

export interface TrialSpec {
  /** Scenario file (absolute, or relative to the package). */
  scenario: string;
  /** metadata.name of the scenario. */
  drill: string;
  signal: 'SIGINT' | 'SIGKILL';
  at: TrialMoment;
}

export interface TrialResult {
  spec: TrialSpec;
  /** interrupted: exit 130 after SIGINT; killed: SIGKILLed, then `drdrill gc`; missed: the drill ended first. */
  outcome: 'interrupted' | 'killed' | 'missed' | 'failed';
  /** The phase the drill was in when the signal landed (from its journal, or its last progress line). */
  landedIn?: string;
  leaks: string[];
  detail?: string;
  seconds: number;
}

const EXIT_BUDGET_MS = 300_000;

/**
 * Runs one drill with the real CLI in its own work root, sends the signal at the moment, and lists what is
 * left afterwards (after `drdrill gc` for a SIGKILL). Nothing is ever killed by name: only this trial's
 * drdrill process is signalled.
 */
export async function runTrial(spec: TrialSpec, opts: { env?: NodeJS.ProcessEnv } = {}): Promise<TrialResult> {
  const started = performance.now();
  const workRoot = mkdtempSync(join(tmpdir(), 'drdrill-trial-'));
  chmodSync(workRoot, 0o755);
  const out = join(workRoot, '..', `${workRoot.split('/').at(-1)}-out`);
  mkdirSync(out, { recursive: true });
  const env = { ...process.env, CI: 'true', DRDRILL_WORK_DIR: workRoot, ...opts.env };
  const watch = new ResourceWatch(workRoot);
  watch.start();
  const child = spawn(process.execPath, [DRDRILL_BIN, 'run', spec.scenario, '--out', out, '--reporter', 'json'], {
    cwd: packageRoot(),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let phase: string | undefined;
  let sent = false;
  let timer: NodeJS.Timeout | undefined;
  let verdictBefore = false;
  const fire = () => {
    if (sent || child.exitCode !== null) return;
    sent = true;
    verdictBefore = new RegExp(`^\\S+ ${spec.drill}: [A-Z]+`, 'm').test(output);
    watch.poll();
    child.kill(spec.signal);
  };
  const arm = () => {
    if (!timer && !sent) timer = setTimeout(fire, spec.at.delayMs);
  };
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
    for (const m of d.toString().matchAll(/› (\w+) …/g)) {
      phase = m[1];
      if ('phase' in spec.at && m[1] === spec.at.phase) arm();
    }
  });
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const processWatch =
    'process' in spec.at
      ? setInterval(() => {
          const role = (spec.at as { process: string }).process;
          if (watch.poll().some((s) => s.processes.some((p) => p.role === role))) arm();
        }, 20)
      : undefined;
  const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    const budget = setTimeout(() => child.kill('SIGKILL'), EXIT_BUDGET_MS);
    child.on('close', (code, signal) => {
      clearTimeout(budget);
      resolve({ code, signal });
    });
  });
  clearTimeout(timer);
  clearInterval(processWatch);
  watch.stop();
  watch.poll();

  const result = (outcome: TrialResult['outcome'], leaks: string[], detail?: string): TrialResult => ({
    spec,
    outcome,
    ...(landed(out, spec.drill, phase) ? { landedIn: landed(out, spec.drill, phase)! } : {}),
    leaks,
    ...(detail ? { detail } : {}),
    seconds: Math.round((performance.now() - started) / 100) / 10,
  });
  try {
    if (!sent) return result('missed', [], `the drill ended (exit ${exit.code}) before the signal`);
    if (spec.signal === 'SIGKILL') {
      const gc = await runGc(workRoot, env);
      const leaks = await findLeaks(watch);
      if (gc.code !== 0) leaks.push(`drdrill gc exited ${gc.code}: ${gc.output.trim()}`);
      return result('killed', leaks);
    }
    const leaks = await findLeaks(watch);
    if (exit.code === EXIT_CODES.interrupted) return result('interrupted', leaks);
    // The drill had printed its verdict before the signal: there was nothing left to interrupt.
    if (exit.signal === null && verdictBefore) return result('missed', leaks, 'the signal came after the verdict');
    return result(
      'failed',
      leaks,
      `exit ${exit.code ?? exit.signal} after SIGINT: ${output.trim().split('\n').slice(-3).join(' | ')}`,
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
    try {
      // Only when it is empty: a leak stays for whoever looks into it.
      rmdirSync(workRoot);
    } catch {
      // Named in the leaks.
    }
  }
}

function landed(out: string, drill: string, lastPhase: string | undefined): string | undefined {
  try {
    const journal = JSON.parse(readFileSync(join(out, drill, 'journal.json'), 'utf8')) as Journal;
    const during = /\(during (\w+)\)/.exec(journal.reason ?? '')?.[1];
    return journal.phases.find((p) => p.status === 'interrupted')?.name ?? during ?? lastPhase;
  } catch {
    return lastPhase;
  }
}

function runGc(workRoot: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const gc = spawn(process.execPath, [DRDRILL_BIN, 'gc', '--work-dir', workRoot], {
      cwd: packageRoot(),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    gc.stdout.on('data', (d: Buffer) => (output += d.toString()));
    gc.stderr.on('data', (d: Buffer) => (output += d.toString()));
    gc.on('close', (code) => resolve({ code, output }));
  });
}
