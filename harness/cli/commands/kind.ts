import type { Argv } from 'yargs';
import { defineCommand } from '../define-command.js';
import { createLogger } from '../../util/logger.js';

export default defineCommand({
  command: 'kind <action>',
  describe:
    'Create (up) or delete (down) a local kind cluster with csi-driver-host-path, VolumeSnapshots and an expandable StorageClass',
  builder: (y: Argv) =>
    y
      .positional('action', { choices: ['up', 'down'] as const, demandOption: true })
      .option('name', { type: 'string', default: 'drdrill', describe: 'kind cluster name (context kind-<name>)' })
      .option('addons', {
        type: 'boolean',
        default: true,
        describe: 'apply the storage addons (--no-addons: the bare kind cluster)',
      }),
  handler: async (argv) => {
    const { kindDown, kindUp } = await import('../../environments/kubernetes/kind.js');
    const say = (line: string) => process.stdout.write(`kind: ${line}\n`);
    if (argv.action === 'down') return kindDown({ name: argv.name, say });
    await kindUp({ name: argv.name, addons: argv.addons, logger: createLogger({ level: 'warn' }), say });
  },
});
