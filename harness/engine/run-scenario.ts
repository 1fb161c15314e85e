import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RtoTimeline } from '../measurement/rto-timeline.js';
import type { LoadedScenario } from '../scenario/load.js';
import { parseDuration } from '../scenario/fields.js';
import { now } from '../util/clock.js';
import { createLogger, redact, redactDeep, type Logger } from '../util/logger.js';
import { budgetMs, budgets } from './budgets.js';
import { ChildRegistry, withChildRegistry } from '../util/children.js';
import { explainFullWorkDir } from './work-dir-space.js';
import type { StartedEnvironment } from '../environments/types.js';
import type { AnyScenario } from '../scenario/kinds.js';
import type { ScenarioSetup } from './context.js';
import { JOURNAL_SCHEMA_VERSION, PHASE_NAMES, type Journal, type PhaseName, type PhaseRecord } from './journal.js';
import type { ScenarioPlan } from './plan.js';
import { Recorder, round } from './recorder.js';
import { SkipDrill } from './skip.js';
import { DrillError, errorMessage } from './errors.js';
import { Interruption, TaskRunner, type Task } from './task-runner.js';
import { decideVerdict, evaluateObjectives } from './verdict.js';
import { DRDRILL_VERSION } from './version.js';
import { auditRecord, type RunAuditOptions } from '../evidence/audit-record.js';

export interface RunScenarioOptions {
  outDir: string;
  keep: boolean;
  /** Aborted with an Interruption on SIGINT/SIGTERM. */
  signal: AbortSignal;
  logger: Logger;
  onPhase?(drill: string, phase: PhaseName, state: 'begin' | 'end', record?: PhaseRecord): void;
  /** --operator, --approver: carried into journal.audit with the scenario's owner, runbook and rationale. */
  audit?: RunAuditOptions;
}

/**
 * Runs one scenario of any kind end to end with its plan and returns its journal; never throws for a failed
 * run. Provisioning, the phases, teardowns, the deadline, Ctrl-C, the verdict and the journal are shared by
 * every kind.
 */
export async function runScenario<S extends AnyScenario, C>(
  loaded: LoadedScenario<S>,
  plan: ScenarioPlan<S, C>,
  opts: RunScenarioOptions,
): Promise<Journal> {
  const scenario = loaded.scenario;
  const name = scenario.metadata.name;
  const runId = `${name}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const outDir = join(opts.outDir, name);
  mkdirSync(outDir, { recursive: true });
  const logger = fileAndConsoleLogger(opts.logger, join(outDir, 'drill.log'), name);
  const origin = now();
  const recorder = new Recorder(origin);
  const phases: PhaseRecord[] = [];

  // The drill's own abort: the caller's signal (SIGINT) or the deadline.
  const controller = new AbortController();
  const forward = () => controller.abort(opts.signal.reason);
  opts.signal.addEventListener('abort', forward, { once: true });
  if (opts.signal.aborted) forward();
  const deadline = setTimeout(
    () => controller.abort(new Interruption('timedout', `deadline of ${scenario.deadline} passed`)),
    parseDuration(scenario.deadline),
  );

  const runner = new TaskRunner(controller.signal);
  const setup: ScenarioSetup<S> = {
    loaded,
    scenario,
    runId,
    workDir: join(process.env.DRDRILL_WORK_DIR ?? tmpdir(), `drdrill-${runId}`),
    outDir,
    logger,
    recorder,
    rto: new RtoTimeline(),
    signal: controller.signal,
    onTeardown: (title, fn) => runner.addTeardown(title, fn),
    async saveArtifact(file, content, description) {
      const path = join(outDir, 'artifacts', file);
      await mkdir(join(outDir, 'artifacts'), { recursive: true });
      await writeFile(path, redact(content));
      recorder.artifacts.push({ name: file, path: `artifacts/${file}`, description });
      return path;
    },
  };
  let ctx: C | undefined;
  // Known as soon as it started, even when provisioning fails later: it adds its own fields to the journal.
  let env: StartedEnvironment | undefined;
  const provisioned = (): C => {
    if (ctx === undefined) throw new DrillError('error', 'the scenario was not provisioned');
    return ctx;
  };

  const timed = (phase: PhaseName, fn: () => Promise<void>): Task => ({
    title: phase,
    run: async () => {
      const t0 = now();
      recorder.phase = phase;
      opts.onPhase?.(name, phase, 'begin');
      logger.debug(`phase ${phase}: begin`);
      const finish = (status: PhaseRecord['status'], error?: unknown) => {
        const record: PhaseRecord = {
          name: phase,
          start: new Date(t0).toISOString(),
          end: new Date(now()).toISOString(),
          seconds: round((now() - t0) / 1000),
          status,
          ...(error ? { error: redact(errorMessage(error)) } : {}),
        };
        phases.push(record);
        opts.onPhase?.(name, phase, 'end', record);
      };
      try {
        await fn();
        // A step that completes after Ctrl-C or the deadline was still cut short: what follows it never ran.
        finish(controller.signal.aborted ? phaseStatusFor(undefined, controller.signal) : 'passed');
      } catch (thrown) {
        const err = await explainFullWorkDir(setup.workDir, thrown);
        finish(phaseStatusFor(err, controller.signal), err);
        throw err;
      }
    },
  });

  const tasks: Task[] = [
    timed('provision', async () => {
      ctx = await plan.provision(setup, opts.keep, (started) => (env = started));
    }),
    ...plan.phases.map((p) => timed(p.name, () => p.run(provisioned()))),
  ];

  // Ctrl-C lands between awaits: a phase that is still running sees its resources torn down under it.
  controller.signal.addEventListener(
    'abort',
    () => logger.warn(`${errorMessage(controller.signal.reason)}: cleaning up`),
    { once: true },
  );
  // Every process a phase starts is tracked; when the run is cut short its tools are stopped and nothing new
  // starts, so teardown never races a process still writing into what it removes.
  const children = new ChildRegistry();
  const result = await withChildRegistry(children, () =>
    runner.run(tasks, {
      onInterrupt: async () => {
        children.close(errorMessage(controller.signal.reason));
        await children.stop((c) => c.transient, budgetMs('shutdown'));
      },
      settleMs: budgetMs('settle'),
    }),
  );
  children.close('the run has ended');
  clearTimeout(deadline);

  const envFields = env?.journalFields?.() ?? {};
  const objectives = evaluateObjectives(loaded, recorder, envFields.simulated === true);
  const damage = ctx === undefined ? {} : plan.damage(ctx);
  const preliminary = decideVerdict({ result, recorder, objectives, teardownErrors: [], ...damage });
  // The logs of a run that did not pass are evidence: keep them before teardown deletes the work directory.
  if (preliminary.verdict !== 'passed' && ctx !== undefined)
    await plan
      .collectFailureEvidence(ctx)
      .catch((err: unknown) => logger.warn(`could not keep the logs: ${errorMessage(err)}`));

  const t0 = now();
  recorder.phase = 'teardown';
  opts.onPhase?.(name, 'teardown', 'begin');
  const teardownErrors: string[] = [];
  await runner.runTeardowns((title, err) => {
    teardownErrors.push(`${title}: ${errorMessage(err)}`);
    logger.warn(`teardown step "${title}" failed: ${errorMessage(err)}`);
  });
  // Whatever an environment did not stop itself (every native process is also stopped by its teardown).
  await children.stop(() => true, budgetMs('shutdown'));
  const teardownRecord: PhaseRecord = {
    name: 'teardown',
    start: new Date(t0).toISOString(),
    end: new Date(now()).toISOString(),
    seconds: round((now() - t0) / 1000),
    status: teardownErrors.length ? 'error' : 'passed',
    ...(teardownErrors.length ? { error: redact(teardownErrors.join('; ')) } : {}),
  };
  opts.onPhase?.(name, 'teardown', 'end', teardownRecord);
  opts.signal.removeEventListener('abort', forward);

  const { verdict, reason } = decideVerdict({ result, recorder, objectives, teardownErrors, ...damage });
  const reached = new Set(phases.map((p) => p.name));
  const allPhases: PhaseRecord[] = [
    ...phases,
    ...['provision' as const, ...plan.phases.map((p) => p.name)]
      .filter((p) => !reached.has(p))
      .map((p): PhaseRecord => ({
        name: p,
        start: teardownRecord.start,
        end: teardownRecord.start,
        seconds: 0,
        status: 'skipped',
      })),
    teardownRecord,
  ].sort((a, b) => PHASE_NAMES.indexOf(a.name) - PHASE_NAMES.indexOf(b.name));

  const journal: Journal = redactDeep({
    schemaVersion: JOURNAL_SCHEMA_VERSION,
    drdrillVersion: DRDRILL_VERSION,
    drill: name,
    runId,
    scenario: { file: loaded.file, sha256: loaded.sha256, source: loaded.source, parsed: scenario },
    startedAt: new Date(origin).toISOString(),
    finishedAt: new Date(now()).toISOString(),
    seconds: round((now() - origin) / 1000),
    verdict,
    ...(reason ? { reason } : {}),
    ...(ctx !== undefined && plan.environmentRecord(ctx) ? { environment: plan.environmentRecord(ctx) } : {}),
    ...envFields,
    timeouts: budgets(),
    phases: allPhases,
    events: recorder.events,
    measurements: recorder.measurements,
    objectives,
    checks: recorder.checks,
    backups: recorder.backups,
    artifacts: recorder.artifacts,
    ...auditRecord(scenario.metadata, opts.audit),
  });
  await writeFile(join(outDir, 'journal.json'), JSON.stringify(journal, null, 2) + '\n');
  logger.info(`verdict: ${verdict}${reason ? ` — ${reason}` : ''}`);
  return journal;
}

function phaseStatusFor(err: unknown, signal: AbortSignal): PhaseRecord['status'] {
  if (err instanceof Interruption) return err.kind;
  if (signal.aborted && signal.reason instanceof Interruption) return signal.reason.kind;
  if (err instanceof SkipDrill) return 'skipped';
  if (err instanceof DrillError && err.exitCode === 'failed') return 'failed';
  return 'error';
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
