import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupDefinition } from '../backups/index.js';
import { environmentProvider } from '../environments/index.js';
import type { PgInstance } from '../environments/types.js';
import { faultDefinition } from '../faults/index.js';
import { LedgerWriter } from '../ledger/ledger-writer.js';
import { ObjectStore } from '../objectstore/client.js';
import type { LoadedScenario } from '../scenario/load.js';
import { compare } from '../scenario/objectives.js';
import { parseDuration } from '../scenario/schema.js';
import { createLogger, redact, redactDeep, type Logger } from '../util/logger.js';
import { DRILL_DATABASE, type DrillContext } from './context.js';
import { DrillError, errorMessage } from './errors.js';
import {
  JOURNAL_SCHEMA_VERSION,
  PHASE_NAMES,
  type Journal,
  type ObjectiveResult,
  type PhaseName,
  type PhaseRecord,
  type Verdict,
} from './journal.js';
import { createDrillDatabase, drillPhases } from './phases.js';
import { Recorder, round } from './recorder.js';
import { RtoTimeline } from './rto-timeline.js';
import { Interruption, raceAbort, TaskRunner, type Task } from './task-runner.js';
import { SkipDrill } from './skip.js';
import { describeEnvironment } from './describe-environment.js';
import { DRDRILL_VERSION } from './version.js';

export interface RunDrillOptions {
  outDir: string;
  keep: boolean;
  /** Aborted with an Interruption on SIGINT/SIGTERM. */
  signal: AbortSignal;
  logger: Logger;
  onPhase?(drill: string, phase: PhaseName, state: 'begin' | 'end', record?: PhaseRecord): void;
}

/** Runs one drill end to end and returns its journal; never throws for drill failures. */
export async function runDrill(loaded: LoadedScenario, opts: RunDrillOptions): Promise<Journal> {
  const scenario = loaded.scenario;
  const name = scenario.metadata.name;
  const runId = `${name}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const outDir = join(opts.outDir, name);
  mkdirSync(outDir, { recursive: true });
  const logFile = join(outDir, 'drill.log');
  const logger = fileAndConsoleLogger(opts.logger, logFile, name);
  const startMono = performance.now();
  const startedAt = new Date();
  const recorder = new Recorder(startMono);
  const phases: PhaseRecord[] = [];

  // The drill's own abort: the caller's signal (SIGINT) or the deadline.
  const controller = new AbortController();
  const forward = () => controller.abort(opts.signal.reason);
  opts.signal.addEventListener('abort', forward, { once: true });
  if (opts.signal.aborted) forward();
  const deadlineMs = parseDuration(scenario.deadline);
  const deadline = setTimeout(
    () => controller.abort(new Interruption('timedout', `deadline of ${scenario.deadline} passed`)),
    deadlineMs,
  );

  const runner = new TaskRunner<DrillContext>(controller.signal);
  const ctx = {
    loaded,
    scenario,
    runId,
    workDir: join(process.env.DRDRILL_WORK_DIR ?? tmpdir(), `drdrill-${runId}`),
    outDir,
    logger,
    recorder,
    rto: new RtoTimeline(),
    signal: controller.signal,
    instances: new Map<string, PgInstance>(),
    facts: {},
    onTeardown: (title: string, fn: () => Promise<void>) => runner.addTeardown(title, fn),
    db(instance?: PgInstance) {
      return (instance ?? ctx.primary).connection(DRILL_DATABASE);
    },
    async saveArtifact(file: string, content: string, description: string) {
      const path = join(outDir, 'artifacts', file);
      await mkdir(join(outDir, 'artifacts'), { recursive: true });
      await writeFile(path, redact(content));
      recorder.artifacts.push({ name: file, path: `artifacts/${file}`, description });
      return path;
    },
  } as DrillContext;

  const timed = (phase: PhaseName, fn: () => Promise<void>): Task<DrillContext> => ({
    title: phase,
    setup: async () => {
      const t0 = performance.now();
      const start = new Date();
      opts.onPhase?.(name, phase, 'begin');
      logger.debug(`phase ${phase}: begin`);
      const finish = (status: PhaseRecord['status'], error?: unknown) => {
        const record: PhaseRecord = {
          name: phase,
          start: start.toISOString(),
          end: new Date().toISOString(),
          seconds: round((performance.now() - t0) / 1000),
          status,
          ...(error ? { error: redact(errorMessage(error)) } : {}),
        };
        phases.push(record);
        opts.onPhase?.(name, phase, 'end', record);
      };
      try {
        await raceAbort(fn(), controller.signal);
        finish('passed');
      } catch (err) {
        finish(phaseStatusFor(err, controller.signal), err);
        throw err;
      }
    },
  });

  const tasks: Task<DrillContext>[] = [
    timed('provision', () => provision(ctx, opts.keep)),
    ...drillPhases(!!scenario.fault).map((p) => timed(p.name, () => p.run(ctx))),
  ];

  // Ctrl-C lands between awaits: a phase that is still running sees its resources torn down under it.
  controller.signal.addEventListener(
    'abort',
    () => logger.warn(`${errorMessage(controller.signal.reason)}: cleaning up`),
    { once: true },
  );
  const result = await runner.run(tasks, ctx);
  clearTimeout(deadline);

  // Teardown: stop the writer first so it does not log connection errors against stopped servers.
  const t0 = performance.now();
  const teardownStart = new Date();
  opts.onPhase?.(name, 'teardown', 'begin');
  const teardownErrors: string[] = [];
  await ctx.ledger?.stop().catch(() => {});
  await runner.runTeardowns((title, err) => {
    teardownErrors.push(`${title}: ${errorMessage(err)}`);
    logger.warn(`teardown step "${title}" failed: ${errorMessage(err)}`);
  });
  ctx.store?.destroy();
  const teardownRecord: PhaseRecord = {
    name: 'teardown',
    start: teardownStart.toISOString(),
    end: new Date().toISOString(),
    seconds: round((performance.now() - t0) / 1000),
    status: teardownErrors.length ? 'error' : 'passed',
    ...(teardownErrors.length ? { error: redact(teardownErrors.join('; ')) } : {}),
  };
  opts.onPhase?.(name, 'teardown', 'end', teardownRecord);
  opts.signal.removeEventListener('abort', forward);

  const envFields = ctx.env?.journalFields?.() ?? {};
  const objectives = evaluateObjectives(loaded, recorder, envFields.simulated === true);
  const { verdict, reason } = decideVerdict(
    result.status,
    result.error,
    result.at,
    recorder,
    objectives,
    teardownErrors,
  );
  const reached = new Set(phases.map((p) => p.name));
  const allPhases: PhaseRecord[] = [
    ...phases,
    ...PHASE_NAMES.filter(
      (p) => p !== 'teardown' && !reached.has(p) && (scenario.fault || !['inject', 'detect', 'recover'].includes(p)),
    ).map((p): PhaseRecord => ({
      name: p,
      start: teardownStart.toISOString(),
      end: teardownStart.toISOString(),
      seconds: 0,
      status: 'skipped',
    })),
    teardownRecord,
  ].sort((a, b) => PHASE_NAMES.indexOf(a.name) - PHASE_NAMES.indexOf(b.name));

  const finishedAt = new Date();
  const journal: Journal = redactDeep({
    schemaVersion: JOURNAL_SCHEMA_VERSION,
    drdrillVersion: DRDRILL_VERSION,
    drill: name,
    runId,
    scenario: { file: loaded.file, sha256: loaded.sha256, source: loaded.source, parsed: scenario },
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds: round((performance.now() - startMono) / 1000),
    verdict,
    ...(reason ? { reason } : {}),
    ...(ctx.facts.environmentRecord ? { environment: ctx.facts.environmentRecord as Journal['environment'] } : {}),
    ...envFields,
    phases: allPhases,
    events: recorder.events,
    measurements: recorder.measurements,
    objectives,
    checks: recorder.checks,
    backups: recorder.backups,
    artifacts: recorder.artifacts,
  });
  await writeFile(join(outDir, 'journal.json'), JSON.stringify(journal, null, 2) + '\n');
  logger.info(`verdict: ${verdict}${reason ? ` — ${reason}` : ''}`);
  return journal;
}

async function provision(ctx: DrillContext, keep: boolean): Promise<void> {
  const { scenario } = ctx;
  const provider = await environmentProvider(scenario.environment.kind);
  ctx.env = await provider.start({
    drillName: scenario.metadata.name,
    runId: ctx.runId,
    workDir: ctx.workDir,
    spec: scenario.environment,
    keep,
    logger: ctx.logger,
    onTeardown: ctx.onTeardown,
    signal: ctx.signal,
  });
  ctx.store = new ObjectStore(ctx.env.objectStore);
  await ctx.store.ensureBucket();

  const hints = scenario.fault ? (faultDefinition(scenario.fault.type)?.provisionHints?.(scenario.fault) ?? {}) : {};
  if (hints.volume) {
    const support = await ctx.env.volumeSupport();
    if (!support.ok) throw new SkipDrill(`this drill needs a size-limited volume: ${support.reason}`);
  }
  const primary = await ctx.env.createInstance({
    name: 'primary',
    initdb: true,
    settings: {},
    ...(hints.volume ? { volume: hints.volume } : {}),
  });
  const settings: Record<string, string | number | boolean> = {};
  for (const spec of scenario.backup)
    Object.assign(settings, await backupDefinition(spec.method)!.instanceSettings?.(spec as never, ctx.env, primary));
  Object.assign(settings, scenario.environment.postgres.settings);
  if (Object.keys(settings).length) await primary.configure(settings);
  ctx.primary = primary;
  ctx.instances.set(primary.name, primary);
  await primary.start();
  ctx.ledger = new LedgerWriter({
    rate: scenario.workload.ledger.rate,
    ackFile: `${ctx.outDir}/ledger-acks.csv`,
    logger: ctx.logger.child('ledger'),
  });
  await writeFile(`${ctx.outDir}/ledger-acks.csv`, '');
  await createDrillDatabase(ctx);
  for (const spec of scenario.backup) await backupDefinition(spec.method)!.prepare?.(ctx, spec);
  ctx.facts.environmentRecord = await describeEnvironment(ctx);
}

function phaseStatusFor(err: unknown, signal: AbortSignal): PhaseRecord['status'] {
  if (err instanceof Interruption) return err.kind;
  if (signal.aborted && signal.reason instanceof Interruption) return signal.reason.kind;
  if (err instanceof SkipDrill) return 'skipped';
  if (err instanceof DrillError && err.exitCode === 'failed') return 'failed';
  return 'error';
}

/** On a simulated cluster nothing timed is a recovery time: RTO objectives are not measured there. */
function evaluateObjectives(loaded: LoadedScenario, recorder: Recorder, simulated: boolean): ObjectiveResult[] {
  return loaded.objectives.map((o) => {
    const actual = simulated && o.metric.startsWith('rto') ? undefined : recorder.get(o.metric);
    const measured = typeof actual === 'number' && Number.isFinite(actual);
    return {
      source: `${o.metric} ${o.source.trim()}`,
      metric: o.metric,
      comparator: o.comparator,
      threshold: o.value,
      actual: measured ? actual : null,
      status: !measured ? 'not-measured' : compare(actual, o.comparator, o.value) ? 'met' : 'missed',
    };
  });
}

function decideVerdict(
  status: 'passed' | 'failed' | 'interrupted' | 'timedout',
  error: unknown,
  at: string | undefined,
  recorder: Recorder,
  objectives: ObjectiveResult[],
  teardownErrors: string[],
): { verdict: Verdict; reason?: string } {
  if (status === 'interrupted' || status === 'timedout')
    return { verdict: status, reason: `${errorMessage(error)} (during ${at})` };
  if (status === 'failed') {
    if (error instanceof SkipDrill) return { verdict: 'skipped', reason: error.message };
    const verdict: Verdict = error instanceof DrillError && error.exitCode === 'failed' ? 'failed' : 'error';
    return { verdict, reason: `${at}: ${errorMessage(error)}` };
  }
  const failed = recorder.checks.find((c) => c.status === 'failed');
  if (failed)
    return { verdict: 'failed', reason: `check failed: ${failed.name}${failed.message ? ` — ${failed.message}` : ''}` };
  const errored = recorder.checks.find((c) => c.status === 'error');
  if (errored)
    return {
      verdict: 'error',
      reason: `check could not run: ${errored.name}${errored.message ? ` — ${errored.message}` : ''}`,
    };
  const missed = objectives.find((o) => o.status !== 'met');
  if (missed)
    return {
      verdict: 'failed',
      reason: `objective ${missed.source} ${missed.status === 'missed' ? `missed (measured ${missed.actual})` : 'not measured'}`,
    };
  if (recorder.checks.length === 0) return { verdict: 'error', reason: 'no check ran: nothing was verified' };
  if (teardownErrors.length) return { verdict: 'error', reason: `teardown failed: ${teardownErrors[0]}` };
  return { verdict: 'passed' };
}

function fileAndConsoleLogger(parent: Logger, file: string, name: string): Logger {
  const console = parent.child(name);
  const fileLog = createLogger({
    level: 'debug',
    write: (line) => appendFileSync(file, `${new Date().toISOString()} ${line}\n`),
  });
  const both = (l: Logger, f: Logger): Logger => ({
    debug: (m) => {
      l.debug(m);
      f.debug(m);
    },
    info: (m) => {
      l.info(m);
      f.info(m);
    },
    warn: (m) => {
      l.warn(m);
      f.warn(m);
    },
    error: (m) => {
      l.error(m);
      f.error(m);
    },
    child: (p) => both(l.child(p), f.child(p)),
  });
  return both(console, fileLog);
}
