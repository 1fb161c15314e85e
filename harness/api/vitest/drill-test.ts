import { rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { expect, test as base, type TestContext } from 'vitest';
import type { Journal } from '../../engine/journal.js';
import { Interruption } from '../../engine/task-runner.js';
import { parseDuration } from '../../scenario/fields.js';
import { runDrill, type RunDrillOptions } from '../run.js';
import type { ScenarioSource } from '../scenarios.js';

/** Options of one drill run inside a test; the output directory and the abort signal belong to the test. */
export type DrillRunOptions = Omit<RunDrillOptions, 'out' | 'signal'>;

export interface DrillFixture {
  /**
   * Runs a drill in this test's own output directory and resolves with its journal (failed drills too). The
   * HTML report is attached to the test. A drill still running when the test ends, fails or times out is torn
   * down before the next test starts.
   */
  run(scenario: ScenarioSource, opts?: DrillRunOptions): Promise<Journal>;
  /** This test's output directory: <base>/<test file>/<test name>/<drill>/. */
  readonly outDir: string;
}

/** vitest's `test` with a `drill` fixture. */
export const test = base.extend<{ drill: DrillFixture }>({
  // vitest reads the fixture's dependencies from this destructuring: keep it an object pattern.
  drill: async ({ task, signal, annotate }, use) => {
    const outDir = testOutDir(task);
    await rm(outDir, { recursive: true, force: true });
    const controller = new AbortController();
    const onTestAbort = () => controller.abort(testInterruption(signal.reason));
    signal.addEventListener('abort', onTestAbort, { once: true });
    const running = new Set<Promise<Journal>>();
    const run = async (scenario: ScenarioSource, opts: DrillRunOptions = {}): Promise<Journal> => {
      const drill = runDrill(scenario, {
        ...opts,
        out: outDir,
        signal: controller.signal,
        onDrillEnd: async (journal, reports) => {
          await opts.onDrillEnd?.(journal, reports);
          await attachReport(annotate, outDir, journal, reports);
        },
      });
      running.add(drill);
      try {
        return await drill;
      } finally {
        running.delete(drill);
      }
    };
    try {
      await use({ run, outDir });
    } finally {
      if (running.size) controller.abort(new Interruption('interrupted', 'the test ended while the drill was running'));
      await Promise.allSettled([...running]);
      signal.removeEventListener('abort', onTestAbort);
    }
  },
});

export const it = test;

export interface DrillTestContext {
  journal: Journal;
  /** This test's output directory. */
  outDir: string;
}

export interface DrillTestOptions extends DrillRunOptions {
  /** The test's timeout in ms; default: the scenario's deadline plus a minute for teardown and reports. */
  timeout?: number;
}

/**
 * One test that runs one drill. Without a body it expects the drill to pass; with one, the body asserts
 * (e.g. `expect(journal).toLoseNoAcknowledgedWrites()`).
 */
export function drillTest(
  name: string,
  scenario: ScenarioSource,
  body?: (ctx: DrillTestContext) => unknown,
  opts: DrillTestOptions = {},
): void {
  const { timeout, ...runOpts } = opts;
  test(name, { timeout: timeout ?? defaultTimeout(scenario) }, async ({ drill }) => {
    const journal = await drill.run(scenario, runOpts);
    if (body) await body({ journal, outDir: drill.outDir });
    else expect(journal).toPass();
  });
}

/** Where a test's drills write: DRDRILL_VITEST_OUT (default drdrill-results/vitest)/<test file>/<test name>. */
function testOutDir(task: TestContext['task']): string {
  const root = process.env.DRDRILL_VITEST_OUT ?? join('drdrill-results', 'vitest');
  const file = relative(process.cwd(), task.file.filepath).replace(/(\.(test|spec))?\.[cm]?[jt]sx?$/, '');
  const names: string[] = [];
  // Up to, not including, the file's own suite (named after the file).
  for (let s: { name: string; suite?: { name: string } } | undefined = task; s && !('filepath' in s); s = s.suite)
    names.unshift(s.name);
  return join(root, file.startsWith('..') ? slug(file) : file, slug(names.join(' ')));
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'test'
  );
}

function testInterruption(reason: unknown): Interruption {
  const message = (reason instanceof Error ? reason.message : String(reason)).split('\n')[0] ?? 'aborted';
  return new Interruption(/timed out/i.test(message) ? 'timedout' : 'interrupted', `vitest: ${message}`);
}

async function attachReport(
  annotate: TestContext['annotate'],
  outDir: string,
  journal: Journal,
  reports: string[],
): Promise<void> {
  const html = reports.find((f) => f.endsWith('.html'));
  const file = html ?? join(outDir, journal.drill, 'journal.json');
  const contentType = html ? 'text/html' : 'application/json';
  // The test may already be over (timed out): its report still exists on disk, the annotation is best effort.
  await annotate(`drdrill ${journal.verdict}: ${file}`, 'drdrill', { path: file, contentType }).catch(() => {});
}

function defaultTimeout(scenario: ScenarioSource): number {
  const deadline =
    typeof scenario === 'string' ? undefined : 'scenario' in scenario ? scenario.scenario.deadline : scenario.deadline;
  return parseDuration(deadline ?? '10m') + 60_000;
}
