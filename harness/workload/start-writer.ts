import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScenarioSetup } from '../engine/context.js';
import type { WorkloadStatement } from '../scenario/schema.js';
import { ACK_FILE, CHANGE_FILE } from './ack-files.js';
import { ledgerOnlyProfile, shopProfile } from './profiles.js';
import { statementsProfile } from './statements-profile.js';
import { WorkloadWriter, type WorkloadWriterOptions } from './writer.js';
import type { WriteProfile } from './writes.js';

/** What the application writes: the user's statements, the shop fixture's own writes, or the ledger alone. */
export function workloadProfile(
  workload: { datasetWrites: boolean; statements?: readonly WorkloadStatement[] | undefined },
  shopDataset: boolean,
  runId: string,
): WriteProfile {
  if (workload.statements) return statementsProfile(workload.statements);
  return shopDataset && workload.datasetWrites ? shopProfile(runId) : ledgerOnlyProfile();
}

/**
 * The application's writer, with its acknowledgement and change files started empty in the output directory.
 * Its teardown is registered after the servers', so it runs first: the writer stops before what it writes to.
 */
export async function createWorkloadWriter(
  setup: Pick<ScenarioSetup, 'outDir' | 'logger' | 'onTeardown'>,
  rate: WorkloadWriterOptions['rate'],
  profile: WriteProfile,
): Promise<WorkloadWriter> {
  const workload = new WorkloadWriter({
    rate,
    profile,
    ackFile: join(setup.outDir, ACK_FILE),
    changeFile: join(setup.outDir, CHANGE_FILE),
    logger: setup.logger.child('workload'),
  });
  await writeFile(join(setup.outDir, ACK_FILE), '');
  await writeFile(join(setup.outDir, CHANGE_FILE), '');
  setup.onTeardown('stop the workload writer', () => workload.stop());
  return workload;
}
