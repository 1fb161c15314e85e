import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { defineCommand } from '../define-command.js';
import { DrillError } from '../../engine/errors.js';
import { EXIT_CODES } from '../../engine/exit-codes.js';
import type { Journal } from '../../engine/journal.js';
import { drillDirs, renderReports } from '../../api/reports.js';
import { checkReporterPrerequisites, parseReporterList, type SuiteLinks } from '../../../reports/index.js';
import { assessCompliance, type Compliance } from '../../../reports/drp/compliance.js';
import { loadPlan, parseAsOf } from '../../../reports/drp/plan.js';
import { COMPLIANCE_HTML, COMPLIANCE_MD, writeCompliance } from '../../../reports/drp/render.js';
import { enforceGates, FAIL_ON_HELP, gateFailures, parseFailOn } from '../../../reports/gates.js';
import { findJournalFiles, readJournalFile, uniqueRuns as unique } from '../../../reports/journals.js';
import { journalsFromS3 } from '../../../reports/journals-from-s3.js';
import { analyseTrends } from '../../../reports/trends/analyse.js';
import { loadHistory, saveHistory } from '../../../reports/trends/history.js';
import { TRENDS_HTML, TRENDS_MD, writeTrends } from '../../../reports/trends/render.js';
import { MetricsOutputs } from '../../metrics/outputs.js';

export default defineCommand({
  command: 'report [journals..]',
  describe:
    'Re-render reports from journals; with --drp, the plan compliance page; with --trends, RTO/RPO across past drills',
  builder: (y: Argv) =>
    y
      .positional('journals', {
        type: 'string',
        array: true,
        describe: 'journal.json files, directories holding them, or s3://bucket/prefix (a suite run in a cluster)',
      })
      .option('reporter', {
        type: 'string',
        default: 'html,json',
        describe: 'comma-separated: html, md, junit, json, pdf',
      })
      .option('out', {
        type: 'string',
        default: 'drdrill-report',
        describe: 'output directory (<out>/<drill>/report.html, <out>/index.html)',
      })
      .option('drp', {
        type: 'string',
        describe: 'disaster-recovery-plan YAML: map its procedures to the latest drill results',
      })
      .option('trends', {
        type: 'string',
        describe: 'history of journals (a directory or s3://bucket/prefix) for RTO/RPO trends',
      })
      .option('as-of', {
        type: 'string',
        describe:
          'assess DRP compliance as of this date (YYYY-MM-DD), e.g. the end of the audited quarter; default now',
      })
      .option('fail-on', { type: 'string', describe: `comma-separated; ${FAIL_ON_HELP}` })
      .option('record-trends', {
        type: 'boolean',
        default: false,
        describe: 'also store the given journals in the --trends history, where later reports find them',
      })
      .option('regression-threshold', {
        type: 'number',
        default: 20,
        describe: 'flag a regression when RTO or lost writes grow by more than this percentage',
      })
      .option('metrics', {
        type: 'string',
        describe: 'write OpenMetrics of the newest run of each drill to this file (node_exporter textfile collector)',
      })
      .option('pushgateway', {
        type: 'string',
        describe: 'push metrics of the newest run of each drill to this Pushgateway URL',
      }),
  handler: async (argv) => {
    const reporters = parseReporterList(argv.reporter);
    const gates = parseFailOn(argv.failOn, { hasPlan: !!argv.drp, command: 'report' });
    if (argv.recordTrends && !argv.trends)
      throw new DrillError('invalid-config', '--record-trends needs --trends <dir|s3://bucket/prefix>');
    const asOf = parseAsOf(argv.asOf);
    const paths = argv.journals ?? [];
    if (!paths.length && !argv.trends)
      throw new DrillError(
        'invalid-config',
        'give journal files, directories of them, or --trends <dir|s3://bucket/prefix>',
      );
    const metrics = await MetricsOutputs.open({ metrics: argv.metrics, pushgateway: argv.pushgateway });
    const journals = unique(await readJournals(paths));
    await checkReporterPrerequisites(reporters);
    if (argv.recordTrends && argv.trends)
      for (const where of await saveHistory(argv.trends, journals)) process.stdout.write(`trends: ${where}\n`);
    const history = argv.trends ? await loadHistory(argv.trends) : [];
    const outDir = resolve(argv.out);
    const formats = { html: reporters.includes('html') || !reporters.includes('md'), md: reporters.includes('md') };
    const written: string[] = [];
    const links: SuiteLinks = {};

    const entries = drillDirs(journals);
    let compliance: Compliance | undefined;
    if (argv.drp) {
      const plan = await loadPlan(argv.drp);
      compliance = assessCompliance(plan, unique([...journals, ...history]), asOf);
      written.push(
        ...(await writeCompliance(compliance, outDir, { ...formats, pdf: reporters.includes('pdf') }, entries)),
      );
      links.compliance = formats.html ? COMPLIANCE_HTML : COMPLIANCE_MD;
    }
    if (argv.trends) {
      written.push(
        ...(await writeTrends(
          analyseTrends(unique([...history, ...journals]), { threshold: argv.regressionThreshold / 100 }),
          outDir,
          formats,
        )),
      );
      links.trends = formats.html ? TRENDS_HTML : TRENDS_MD;
    }
    written.push(...(await renderReports(journals, { formats: reporters, out: outDir, links })));
    for (const f of written) process.stdout.write(`report: ${f}\n`);
    await metrics.publish(unique([...journals, ...history]));
    if (metrics.failed) process.exitCode = EXIT_CODES.error;
    enforceGates(
      gateFailures(gates, { journals: unique([...journals, ...history]), ...(compliance ? { compliance } : {}) }),
    );
  },
});

async function readJournals(paths: string[]): Promise<Journal[]> {
  const files: string[] = [];
  const fromS3: Journal[] = [];
  for (const p of paths) {
    if (p.startsWith('s3://')) {
      fromS3.push(...(await journalsFromS3(p)));
      continue;
    }
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw new DrillError('invalid-config', `${p}: no such journal file or directory`);
    }
    if (!isDir) files.push(p);
    else {
      const found = await findJournalFiles(p);
      if (!found.length) throw new DrillError('invalid-config', `${p}: no journal.json under this directory`);
      files.push(...found);
    }
  }
  return [...fromS3, ...(await Promise.all(files.map(readJournalFile)))];
}
