import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { defineCommand } from '../define-command.js';
import { environmentProvider } from '../../environments/index.js';
import { DrillError } from '../../engine/errors.js';
import { EXIT_CODES, type ExitCodeName } from '../../engine/exit-codes.js';
import type { Journal, Verdict } from '../../engine/journal.js';
import { runSuite } from '../../engine/run-suite.js';
import { Interruption } from '../../engine/task-runner.js';
import { loadScenarioFile, type LoadedScenario } from '../../scenario/load.js';
import { ENVIRONMENT_KINDS } from '../../scenario/schema.js';
import { checkSemantics } from '../../scenario/semantic-checks.js';
import { createLogger } from '../../util/logger.js';
import { MetricsOutputs } from '../../metrics/outputs.js';
import {
  checkReporterPrerequisites,
  parseReporterList,
  renderDrillReports,
  renderSuiteReports,
} from '../../../reports/index.js';
import { Progress } from '../progress.js';
import { resolveScenarioArgs } from '../scenario-args.js';

export const DEFAULT_REPORTERS = 'html,json';

export default defineCommand({
  command: 'run <scenarios..>',
  describe: 'Run drills: provision, inject the fault, recover, verify, measure, report',
  builder: (y: Argv) =>
    y
      .positional('scenarios', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'scenario files, directories or shipped names',
      })
      .option('env', { choices: ENVIRONMENT_KINDS, describe: 'override environment.kind of every scenario' })
      .option('out', {
        type: 'string',
        default: 'drdrill-results',
        describe: 'results directory (<out>/<drill>/journal.json)',
      })
      .option('keep', {
        type: 'boolean',
        default: false,
        describe: 'keep work directories and containers for debugging',
      })
      .option('reporter', {
        type: 'string',
        default: DEFAULT_REPORTERS,
        describe: 'comma-separated: html, md, junit, json, pdf',
      })
      .option('tag', { type: 'string', describe: 'only scenarios with this tag' })
      .option('parallel', {
        type: 'number',
        default: 1,
        describe: 'how many drills run at the same time; each has its own ports, bucket, work directory and volumes',
      })
      .option('metrics', {
        type: 'string',
        describe: 'write OpenMetrics to this file (node_exporter textfile collector); other drills in it are kept',
      })
      .option('pushgateway', {
        type: 'string',
        describe: 'push metrics to this Pushgateway URL (job drdrill, grouped by drill and environment)',
      })
      .option('operator', { type: 'string', describe: 'who runs the drill, recorded in the journal for auditors' })
      .option('approver', { type: 'string', describe: 'who approved the drill, recorded in the journal for auditors' }),
  handler: async (argv) => {
    // Everything is validated before anything starts.
    const reporters = parseReporterList(argv.reporter);
    if (!Number.isInteger(argv.parallel) || argv.parallel < 1)
      throw new DrillError('invalid-config', `--parallel must be a whole number of at least 1, not ${argv.parallel}`);
    const loaded: LoadedScenario[] = [];
    for (const file of resolveScenarioArgs(argv.scenarios)) {
      const l = await loadScenarioFile(file);
      if (argv.env) l.scenario.environment.kind = argv.env;
      checkSemantics(l);
      if (!argv.tag || l.scenario.metadata.tags.includes(argv.tag)) loaded.push(l);
    }
    if (!loaded.length)
      throw new DrillError('invalid-config', `no scenario matches${argv.tag ? ` tag "${argv.tag}"` : ''}`);
    const names = loaded.map((l) => l.scenario.metadata.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup)
      throw new DrillError(
        'invalid-config',
        `two scenarios are named "${dup}"; metadata.name must be unique within a run`,
      );
    await checkReporterPrerequisites(reporters);
    for (const l of loaded)
      await (await environmentProvider(l.scenario.environment.kind)).checkPrerequisites(l.scenario.environment);
    const metrics = await MetricsOutputs.open({ metrics: argv.metrics, pushgateway: argv.pushgateway });

    const outDir = resolve(argv.out);
    await mkdir(outDir, { recursive: true });
    const controller = new AbortController();
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      if (signals++ === 0) controller.abort(new Interruption('interrupted', `${sig} received`));
      else
        process.stderr.write(
          `drdrill: still cleaning up after ${sig}; processes and mounts it started are being removed\n`,
        );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    const progress = new Progress();
    const logger = createLogger({ level: process.env.DRDRILL_LOG_LEVEL === 'debug' ? 'debug' : 'warn' });
    let journals: Journal[];
    // Reports and metrics of one drill at a time, in the order the drills end.
    let published = Promise.resolve();
    try {
      journals = await runSuite(loaded, {
        parallel: argv.parallel,
        outDir,
        keep: argv.keep,
        signal: controller.signal,
        logger,
        audit: { operator: argv.operator, approver: argv.approver },
        onPhase: (drill, phase, state, record) => progress.phase(drill, phase, state, record),
        onDrillEnd: (journal) =>
          (published = published.then(async () => {
            progress.verdict(journal.drill, journal.verdict, journal.reason);
            const written = await renderDrillReports(journal, join(outDir, journal.drill), reporters);
            for (const f of written) progress.log(`  report: ${f}`);
            await metrics.publish([journal], '  ');
          })),
      });
      const suite = await renderSuiteReports(journals, outDir, reporters);
      for (const f of suite) process.stdout.write(`report: ${f}\n`);
    } finally {
      progress.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    process.stdout.write(`${summaryLine(journals)}\n`);
    process.exitCode =
      EXIT_CODES[
        exitCodeFor(
          [...journals.map((j) => j.verdict), ...(metrics.failed ? (['error'] as const) : [])],
          controller.signal.aborted,
        )
      ];
  },
});

export function summaryLine(journals: Journal[]): string {
  const count = (v: Verdict) => journals.filter((j) => j.verdict === v).length;
  const others = (['error', 'interrupted', 'timedout', 'skipped'] as Verdict[])
    .filter((v) => count(v))
    .map((v) => `${count(v)} ${v}`);
  return `drills: ${count('passed')} passed, ${count('failed')} failed${others.length ? `, ${others.join(', ')}` : ''}`;
}

/** Worst first: an interrupted run, a timeout, a failure, an error, a skip. */
export function exitCodeFor(verdicts: Verdict[], interrupted: boolean): ExitCodeName {
  if (interrupted || verdicts.includes('interrupted')) return 'interrupted';
  if (verdicts.includes('timedout')) return 'timedout';
  if (verdicts.includes('failed')) return 'failed';
  if (verdicts.includes('error')) return 'error';
  if (verdicts.includes('skipped')) return 'skipped';
  return 'passed';
}
