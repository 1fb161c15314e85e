import type { CommandModule } from 'yargs';

interface Args {
  all?: boolean;
  run?: string;
  dryRun?: boolean;
  json?: boolean;
}

const command: CommandModule<object, Args> = {
  command: 'gc',
  describe:
    'Remove containers, networks and volumes that crashed drills left behind (found by the org.drdrill.run label)',
  builder: (y) =>
    y
      .option('run', { type: 'string', describe: 'only this run id' })
      .option('all', { type: 'boolean', describe: 'also remove resources of drills that are still running' })
      .option('dry-run', { type: 'boolean', describe: 'list what would be removed, remove nothing' })
      .option('json', { type: 'boolean', describe: 'machine-readable output' }),
  handler: async (argv) => {
    const { containerEngine } = await import('../../environments/testcontainers/index.js');
    const { collectGarbage } = await import('../../environments/testcontainers/labels.js');
    const engine = await containerEngine();
    const found = await collectGarbage(engine.container.dockerode, {
      all: argv.all ?? false,
      ...(argv.run ? { runId: argv.run } : {}),
      dryRun: argv.dryRun ?? false,
    });
    if (argv.json) process.stdout.write(JSON.stringify(found, null, 2) + '\n');
    else if (!found.length) process.stdout.write('gc: nothing left behind\n');
    else
      for (const f of found)
        process.stdout.write(
          `${argv.dryRun && f.status === 'removed' ? 'would remove' : f.status}  ${f.kind} ${f.name}  (run ${f.runId}, owner ${f.owner})\n`,
        );
    if (found.some((f) => f.status.startsWith('failed'))) process.exitCode = 4;
  },
};
export default command;
