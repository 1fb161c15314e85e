import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { defineCommand } from '../define-command.js';
import { auditFramework, gatherDrillRecords } from '../../../reports/compliance/audit.js';
import { FRAMEWORKS } from '../../../reports/compliance/control-map.js';
import { AUDIT_FORMATS, renderAudit } from '../../../reports/compliance/render.js';
import { assessCompliance } from '../../../reports/drp/compliance.js';
import { loadPlan, parseAsOf } from '../../../reports/drp/plan.js';
import { enforceGates, FAIL_ON_HELP, gateFailures, parseFailOn } from '../../../reports/gates.js';
import { uniqueRuns } from '../../../reports/journals.js';
import { loadHistory } from '../../../reports/trends/history.js';
import { redact } from '../../util/logger.js';

export default defineCommand({
  command: 'audit <results>',
  describe:
    "List each control of DORA, SOC 2 or ISO 27001 with the drills' evidence for it (links into reports and bundles) and what is missing",
  builder: (y: Argv) =>
    y
      .positional('results', {
        type: 'string',
        demandOption: true,
        describe: 'results directory: drill journals and their evidence bundles',
      })
      .option('framework', { choices: FRAMEWORKS, demandOption: true, describe: 'the control framework' })
      .option('drp', {
        type: 'string',
        describe: 'disaster-recovery-plan YAML: backup policy, objectives and testing cadence',
      })
      .option('trends', {
        type: 'string',
        describe: 'history of past journals (a directory or s3://bucket/prefix), for last tested and next due',
      })
      .option('as-of', { type: 'string', describe: 'assess as of this date (YYYY-MM-DD); default now' })
      .option('format', { choices: AUDIT_FORMATS, default: 'text' as const, describe: 'output format' })
      .option('out', {
        type: 'string',
        describe: 'write to this file instead of stdout (links are made relative to it)',
      })
      .option('fail-on', { type: 'string', describe: `comma-separated; ${FAIL_ON_HELP}` })
      .option('key-env', {
        type: 'string',
        describe: "environment variable holding the key that checks the bundles' signatures",
      }),
  handler: async (argv) => {
    const gates = parseFailOn(argv.failOn, { hasPlan: !!argv.drp, command: 'audit' });
    const asOf = parseAsOf(argv.asOf);
    const plan = argv.drp ? await loadPlan(argv.drp) : undefined;
    const out = argv.out ? resolve(argv.out) : undefined;
    const { drills, journals } = await gatherDrillRecords(argv.results, {
      ...(argv.keyEnv ? { keyEnv: argv.keyEnv } : {}),
      ...(out ? { linkFrom: dirname(out) } : {}),
    });
    const history = argv.trends ? await loadHistory(argv.trends) : [];
    const all = uniqueRuns([...history, ...journals]);
    const compliance = plan ? assessCompliance(plan, all, asOf) : undefined;
    const audit = auditFramework(argv.framework, { drills, ...(compliance ? { compliance } : {}), asOf });
    const text = redact(renderAudit(audit, argv.format, argv.results));
    if (out) {
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, text);
      process.stdout.write(`audit: ${out}\n`);
    } else process.stdout.write(text);
    enforceGates(gateFailures(gates, { journals: all, ...(compliance ? { compliance } : {}), audit }));
  },
});
