import type { Argv } from 'yargs';
import { defineCommand } from '../define-command.js';

export default defineCommand({
  command: 'gc',
  describe:
    'Remove containers, networks and volumes that crashed drills left behind (found by the org.drdrill.run label)',
  builder: (y: Argv) =>
    y
      .option('run', { type: 'string', describe: 'only this run id' })
      .option('all', { type: 'boolean', describe: 'also remove resources of drills that are still running' })
      .option('dry-run', { type: 'boolean', describe: 'list what would be removed, remove nothing' })
      .option('json', { type: 'boolean', describe: 'machine-readable output' })
      .option('kubernetes', { type: 'boolean', describe: 'namespaces of drills on a Kubernetes cluster instead' })
      .option('context', { type: 'string', describe: 'with --kubernetes: the kubeconfig context' }),
  handler: async (argv) => {
    const opts = { all: argv.all ?? false, ...(argv.run ? { runId: argv.run } : {}), dryRun: argv.dryRun ?? false };
    const found = argv.kubernetes ? await kubernetesLeftovers(argv.context, opts) : await containerLeftovers(opts);
    if (argv.json) process.stdout.write(JSON.stringify(found, null, 2) + '\n');
    else if (!found.length) process.stdout.write('gc: nothing left behind\n');
    else
      for (const f of found)
        process.stdout.write(
          `${argv.dryRun && f.status === 'removed' ? 'would remove' : f.status}  ${f.kind} ${f.name}  (run ${f.runId}, owner ${f.owner})\n`,
        );
    if (found.some((f) => f.status.startsWith('failed'))) process.exitCode = 4;
  },
});

async function containerLeftovers(opts: { all: boolean; runId?: string; dryRun: boolean }) {
  const { containerEngine } = await import('../../environments/testcontainers/index.js');
  const { collectGarbage } = await import('../../environments/testcontainers/labels.js');
  return collectGarbage((await containerEngine()).container.dockerode, opts);
}

async function kubernetesLeftovers(
  context: string | undefined,
  opts: { all: boolean; runId?: string; dryRun: boolean },
) {
  const { collectKubernetesGarbage } = await import('../../environments/kubernetes/gc-command.js');
  return collectKubernetesGarbage(context, opts);
}
