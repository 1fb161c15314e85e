import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Argv } from 'yargs';
import { defineCommand } from '../define-command.js';
import { stringify } from 'yaml';
import { DrillError } from '../../engine/errors.js';
import { loadScenarioFile } from '../../scenario/load.js';
import { checkSemantics } from '../../scenario/semantic-checks.js';
import { resolveScenarioArgs } from '../scenario-args.js';

export default defineCommand({
  command: 'manifests <what> [scenarios..]',
  describe:
    "Print Kubernetes manifests for running drdrill in a cluster: a nightly CronJob, an Indexed Job per suite, or the seed's backup CronJobs",
  builder: (y: Argv) =>
    y
      .positional('what', { choices: ['cronjob', 'suite', 'backup-cronjobs'] as const, demandOption: true })
      .positional('scenarios', {
        type: 'string',
        array: true,
        describe: 'scenario files, directories or shipped names',
      })
      .option('namespace', { type: 'string', demandOption: true, describe: 'namespace drdrill runs (and drills) in' })
      .option('results', {
        type: 'string',
        demandOption: true,
        describe: 's3://bucket/prefix for journals and reports',
      })
      .option('image', {
        type: 'string',
        describe: 'drdrill image (fixtures/images/drdrill/Dockerfile); default drdrill/drdrill:<version>',
      })
      .option('schedule', { type: 'string', default: '0 3 * * *', describe: 'cron schedule of the CronJob' })
      .option('parallel', { type: 'number', default: 4, describe: 'suite: drills running at once' })
      .option('s3-endpoint', { type: 'string', describe: 'S3 endpoint URL for a non-AWS store (MinIO)' })
      .option('db-host', { type: 'string', describe: 'backup-cronjobs: the database Service' })
      .option('db-name', { type: 'string', default: 'postgres' })
      .option('db-user', { type: 'string', default: 'postgres' })
      .option('db-password-secret', {
        type: 'string',
        default: 'postgres-credentials',
        describe: 'Secret with key "password"',
      }),
  handler: async (argv) => {
    const m = await import('../../environments/kubernetes/manifests/in-cluster.js');
    const { DEFAULT_DRDRILL_IMAGE } = await import('../../environments/kubernetes/images.js');
    const { isDnsLabel } = await import('../../environments/kubernetes/names.js');
    if (!isDnsLabel(argv.namespace))
      throw new DrillError('invalid-config', `--namespace ${argv.namespace}: not a DNS label`);
    if (!/^s3:\/\/[^/]+/.test(argv.results))
      throw new DrillError('invalid-config', `--results ${argv.results}: expected s3://bucket/prefix`);
    const o = {
      namespace: argv.namespace,
      image: argv.image ?? process.env.DRDRILL_IMAGE ?? DEFAULT_DRDRILL_IMAGE,
      results: argv.results.replace(/\/+$/, ''),
      ...(argv.s3Endpoint ? { s3Endpoint: argv.s3Endpoint } : {}),
    };
    const docs: object[] = [];
    if (argv.what === 'backup-cronjobs') {
      if (!argv.dbHost)
        throw new DrillError('invalid-config', 'backup-cronjobs needs --db-host (the database Service)');
      const db = {
        host: argv.dbHost,
        database: argv.dbName,
        user: argv.dbUser,
        passwordSecret: argv.dbPasswordSecret,
      };
      docs.push(m.backupCronJob({ ...o, db }), m.backupVerificationCronJob({ ...o, db }));
    } else {
      const files = await scenarioFiles(argv.scenarios ?? []);
      docs.push(...m.rbacManifests(o.namespace));
      if (argv.what === 'cronjob')
        docs.push(m.scenariosConfigMap(o.namespace, files), m.drillCronJob({ ...o, schedule: argv.schedule }));
      else {
        const suite = `drdrill-suite-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 13).toLowerCase()}`;
        docs.push(
          m.scenariosConfigMap(o.namespace, files, `${suite}-scenarios`),
          m.suiteJob({ ...o, suite, scenarios: Object.keys(files), parallelism: argv.parallel }),
        );
      }
    }
    process.stdout.write(
      `# Rendered by drdrill. Credentials are never in these manifests; create them first:\n` +
        `#   kubectl -n ${o.namespace} create secret generic ${m.RESULTS_SECRET} --from-literal=AWS_ACCESS_KEY_ID=... --from-literal=AWS_SECRET_ACCESS_KEY=...\n` +
        docs.map((d) => `---\n${stringify(d)}`).join(''),
    );
  },
});

/** Scenario files by base name, each validated (and runnable on kubernetes) before anything is printed. */
async function scenarioFiles(args: string[]): Promise<Record<string, string>> {
  if (!args.length) throw new DrillError('invalid-config', 'give the scenario files (or directories) to run');
  const out: Record<string, string> = {};
  for (const file of resolveScenarioArgs(args)) {
    const loaded = await loadScenarioFile(file);
    loaded.scenario.environment.kind = 'kubernetes';
    checkSemantics(loaded);
    const name = basename(file);
    if (out[name]) throw new DrillError('invalid-config', `two scenario files are named ${name}`);
    out[name] = await readFile(file, 'utf8');
  }
  return out;
}
