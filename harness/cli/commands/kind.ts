import type { CommandModule } from 'yargs';
import { createLogger } from '../../util/logger.js';

interface Args {
  action: 'up' | 'down';
  name: string;
  addons: boolean;
}

const command: CommandModule<object, Args> = {
  command: 'kind <action>',
  describe:
    'Create (up) or delete (down) a local kind cluster with csi-driver-host-path, VolumeSnapshots and an expandable StorageClass',
  builder: (y) =>
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
};
export default command;
