import { tmpdir } from 'node:os';
import type { Argv } from 'yargs';
import { DrillError } from '../../engine/errors.js';
import { defineCommand } from '../define-command.js';

interface Found {
  kind: string;
  name: string;
  runId: string;
  owner: string;
  status: string;
}

export default defineCommand({
  command: 'gc',
  describe:
    'Remove what crashed drills left behind: native processes, mounts and work directories (from their run-state files), and containers, networks and volumes (by the org.drdrill.run label)',
  builder: (y: Argv) =>
    y
      .option('run', { type: 'string', describe: 'only this run id' })
      .option('all', { type: 'boolean', describe: 'also remove resources of drills that are still running' })
      .option('dry-run', { type: 'boolean', describe: 'list what would be removed, remove nothing' })
      .option('json', { type: 'boolean', describe: 'machine-readable output' })
      .option('work-dir', {
        type: 'string',
        describe: 'where native drills put their work directories (default: DRDRILL_WORK_DIR, else the temp directory)',
      })
      .option('kubernetes', { type: 'boolean', describe: 'namespaces of drills on a Kubernetes cluster instead' })
      .option('context', { type: 'string', describe: 'with --kubernetes: the kubeconfig context' }),
  handler: async (argv) => {
    const opts = { all: argv.all ?? false, ...(argv.run ? { runId: argv.run } : {}), dryRun: argv.dryRun ?? false };
    const found: Found[] = argv.kubernetes
      ? await kubernetesLeftovers(argv.context, opts)
      : [
          ...(await nativeLeftovers(argv.workDir ?? process.env.DRDRILL_WORK_DIR ?? tmpdir(), opts)),
          ...(await containerLeftovers(opts)),
        ];
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

async function nativeLeftovers(root: string, opts: { all: boolean; runId?: string; dryRun: boolean }) {
  const { findRunStates, ownerAlive, removeRunLeftovers } = await import('../../environments/native/leftovers.js');
  const found: Found[] = [];
  for (const state of findRunStates(root).filter((s) => !opts.runId || s.runId === opts.runId)) {
    if (!opts.all && ownerAlive(state)) {
      found.push({
        kind: 'work directory',
        name: state.workDir,
        runId: state.runId,
        owner: `${state.host}:${state.owner.pid}`,
        status: 'kept: its drill is still running',
      });
      continue;
    }
    found.push(...(await removeRunLeftovers(state, { dryRun: opts.dryRun, removeWorkDir: true })));
  }
  return found;
}

/** Containers are checked where an engine answers; without one there are none of drdrill's to remove. */
async function containerLeftovers(opts: { all: boolean; runId?: string; dryRun: boolean }) {
  const { containerEngine } = await import('../../environments/testcontainers/index.js');
  const { collectGarbage } = await import('../../environments/testcontainers/labels.js');
  let engine;
  try {
    engine = await containerEngine();
  } catch (err) {
    if (err instanceof DrillError && err.exitCode === 'missing-prerequisite') {
      process.stderr.write('gc: no container engine is reachable; containers were not checked\n');
      return [];
    }
    throw err;
  }
  return collectGarbage(engine.container.dockerode, opts);
}

async function kubernetesLeftovers(
  context: string | undefined,
  opts: { all: boolean; runId?: string; dryRun: boolean },
) {
  const { collectKubernetesGarbage } = await import('../../environments/kubernetes/gc-command.js');
  return collectKubernetesGarbage(context, opts);
}
