import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { checkReporterPrerequisites, renderDrillReports, renderSuiteReports } from '../../reports/index.js';
import { detectionToolsMissing } from '../detection/validate.js';
import { environmentProvider } from '../environments/index.js';
import { DrillError, errorMessage } from '../engine/errors.js';
import type { Journal, PhaseName, PhaseRecord } from '../engine/journal.js';
import { Interruption } from '../engine/task-runner.js';
import type { RunAuditOptions } from '../evidence/audit-record.js';
import { ofKind, type LoadedScenario } from '../scenario/load.js';
import { checkMigrationVersions } from '../migrations/provision.js';
import type { EnvironmentKind } from '../scenario/schema.js';
import { createLogger, type Logger } from '../util/logger.js';
import { checkFormats, DEFAULT_FORMATS, type ReportFormat } from './reports.js';
import { resolveScenarios, type ScenarioSource } from './scenarios.js';
import { runSuite } from '../engine/run-suite.js';

export interface RunDrillOptions {
  /** Results directory: <out>/<drill>/journal.json and the reports. Default "drdrill-results". */
  out?: string;
  /** Overrides environment.kind of the scenario, as `drdrill run --env` does. */
  env?: EnvironmentKind;
  /** Keep work directories and containers for debugging (processes are still stopped). */
  keep?: boolean;
  /** Aborting tears the drill down; its journal then says `interrupted` (`timedout` for a TimeoutError). */
  signal?: AbortSignal;
  /** Called when a phase begins and ends. */
  onPhase?: (drill: string, phase: PhaseName, state: 'begin' | 'end', record?: PhaseRecord) => void;
  /** Report formats written to <out>/<drill>/: html, md, junit, json, pdf or a reporter module. Default html, json. */
  reporters?: ReportFormat[];
  /** Called after each drill with its journal and the report files written for it. */
  onDrillEnd?: (journal: Journal, reports: string[]) => void | Promise<void>;
  /** Recorded in journal.audit. */
  audit?: RunAuditOptions;
  /** Where harness messages go; default: warnings and errors on stderr (debug with DRDRILL_LOG_LEVEL=debug). */
  logger?: Logger;
}

export interface RunDrillsOptions extends RunDrillOptions {
  /** Only scenarios with this tag. */
  tag?: string;
  /** Run at most this many drills at a time (default 1). */
  parallel?: number;
}

export interface RunDrillsResult {
  /** One per drill that started, in order. Drills not started because the signal was aborted have none. */
  journals: Journal[];
  /** Suite-level files: index.html, the suite junit.xml, ... */
  reports: string[];
}

/**
 * Runs one drill and returns its journal. A drill that fails, errors, times out or is aborted resolves with
 * that verdict: the promise rejects only when nothing was started (an invalid scenario: a ScenarioError with
 * `problems`; a missing prerequisite: a DrillError naming it).
 */
export async function runDrill(scenario: ScenarioSource, opts: RunDrillOptions = {}): Promise<Journal> {
  const [journal] = (await execute([scenario], opts, 'one')).journals;
  if (!journal)
    throw new DrillError('interrupted', `${asInterruption(opts.signal?.reason).message}: the drill was not started`);
  return journal;
}

/**
 * Runs several drills (files, directories, shipped names, objects), all validated before the first starts,
 * writes each drill's reports as it ends and the suite's reports (index.html, junit.xml) at the end.
 */
export async function runDrills(scenarios: ScenarioSource[], opts: RunDrillsOptions = {}): Promise<RunDrillsResult> {
  return execute(scenarios, opts, 'suite');
}

async function execute(
  sources: ScenarioSource[],
  opts: RunDrillsOptions,
  mode: 'one' | 'suite',
): Promise<RunDrillsResult> {
  // Everything is validated before anything starts.
  const reporters = checkFormats(opts.reporters ?? DEFAULT_FORMATS);
  const parallel = opts.parallel ?? 1;
  if (!Number.isInteger(parallel) || parallel < 1)
    throw new DrillError('invalid-config', `parallel must be a whole number >= 1, got ${parallel}`);
  const loaded = await resolveScenarios(sources, { ...(opts.env ? { env: opts.env } : {}), tag: opts.tag });
  if (mode === 'one' && loaded.length !== 1)
    throw new DrillError(
      'invalid-config',
      `runDrill runs one scenario, this names ${loaded.length} (${loaded.map((l) => l.scenario.metadata.name).join(', ')}); use runDrills`,
    );
  await checkReporterPrerequisites(reporters);
  await checkEnvironments(loaded);

  const outDir = resolve(opts.out ?? 'drdrill-results');
  await mkdir(outDir, { recursive: true });
  const { signal, dispose } = drillSignal(opts.signal);
  try {
    // Reports and onDrillEnd of one drill at a time, in the order the drills end.
    let published = Promise.resolve();
    const journals = await runSuite(loaded, {
      parallel,
      outDir,
      keep: opts.keep ?? false,
      signal,
      logger: opts.logger ?? createLogger({ level: process.env.DRDRILL_LOG_LEVEL === 'debug' ? 'debug' : 'warn' }),
      ...(opts.audit ? { audit: opts.audit } : {}),
      ...(opts.onPhase ? { onPhase: opts.onPhase } : {}),
      onDrillEnd: (journal) =>
        (published = published.then(async () => {
          const written = await renderDrillReports(journal, join(outDir, journal.drill), reporters);
          await opts.onDrillEnd?.(journal, written);
        })),
    });
    const reports = mode === 'suite' ? await renderSuiteReports(journals, outDir, reporters) : [];
    return { journals, reports };
  } finally {
    dispose();
  }
}

async function checkEnvironments(loaded: LoadedScenario[]): Promise<void> {
  for (const l of loaded) {
    await (await environmentProvider(l.scenario.environment.kind)).checkPrerequisites(l.scenario.environment);
    if (l.scenario.kind === 'Migration') checkMigrationVersions(l.scenario);
    const missing = l.scenario.kind === 'Drill' ? detectionToolsMissing(ofKind(l, 'Drill')) : undefined;
    if (missing) throw new DrillError('missing-prerequisite', `${l.scenario.metadata.name}: ${missing}`);
  }
}

/** The engine's signal: the caller's abort reason becomes the Interruption the verdict is named after. */
function drillSignal(user: AbortSignal | undefined): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  if (!user) return { signal: controller.signal, dispose: () => {} };
  const forward = () => controller.abort(asInterruption(user.reason));
  if (user.aborted) forward();
  else user.addEventListener('abort', forward, { once: true });
  return { signal: controller.signal, dispose: () => user.removeEventListener('abort', forward) };
}

function asInterruption(reason: unknown): Interruption {
  if (reason instanceof Interruption) return reason;
  const name = (reason as { name?: unknown } | undefined)?.name;
  const message = reason === undefined ? 'aborted' : `aborted: ${errorMessage(reason)}`;
  return new Interruption(name === 'TimeoutError' ? 'timedout' : 'interrupted', message);
}
