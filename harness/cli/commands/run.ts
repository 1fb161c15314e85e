import type { Argv } from 'yargs';
import { DrillError } from '../../engine/errors.js';
import { defineCommand } from '../define-command.js';
import { runDrills, type RunDrillsResult } from '../../api/run.js';
import { EXIT_CODES, type ExitCodeName } from '../../engine/exit-codes.js';
import type { Journal, Verdict } from '../../engine/journal.js';
import { Interruption } from '../../engine/task-runner.js';
import { ENVIRONMENT_KINDS } from '../../scenario/schema.js';
import { createLogger } from '../../util/logger.js';
import { MetricsOutputs } from '../../metrics/outputs.js';
import { parseReporterList } from '../../../reports/index.js';
import { Progress } from '../progress.js';

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
    if (!Number.isInteger(argv.parallel) || argv.parallel < 1)
      throw new DrillError('invalid-config', `--parallel must be a whole number of at least 1, not ${argv.parallel}`);
    const metrics = await MetricsOutputs.open({ metrics: argv.metrics, pushgateway: argv.pushgateway });
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
    let result: RunDrillsResult;
    try {
      // The library's own path: everything is validated before anything starts, then each drill runs.
      result = await runDrills(argv.scenarios, {
        out: argv.out,
        ...(argv.env ? { env: argv.env } : {}),
        ...(argv.tag ? { tag: argv.tag } : {}),
        keep: argv.keep,
        parallel: argv.parallel,
        reporters: parseReporterList(argv.reporter),
        signal: controller.signal,
        logger: createLogger({ level: process.env.DRDRILL_LOG_LEVEL === 'debug' ? 'debug' : 'warn' }),
        audit: { operator: argv.operator, approver: argv.approver },
        onPhase: (drill, phase, state, record) => progress.phase(drill, phase, state, record),
        onDrillEnd: async (journal, reports) => {
          progress.verdict(journal.drill, journal.verdict, journal.reason);
          for (const f of reports) progress.log(`  report: ${f}`);
          await metrics.publish([journal], '  ');
        },
      });
      for (const f of result.reports) process.stdout.write(`report: ${f}\n`);
    } finally {
      progress.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    const { journals } = result;
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
