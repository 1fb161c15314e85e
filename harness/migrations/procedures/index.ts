import { z } from 'zod';
import { copyThenVerify, copyThenVerifySpec } from './copy-then-verify.js';
import { dualWrite, dualWriteSpec } from './dual-write.js';
import { logicalReplication, logicalReplicationSpec } from './logical-replication.js';
import type { MigrationProcedureDefinition } from './types.js';

/** Every migration procedure's scenario spec; `migration.procedure` selects one. One module each. */
export const migrationProcedureSchema = z.discriminatedUnion('procedure', [
  copyThenVerifySpec,
  dualWriteSpec,
  logicalReplicationSpec,
]);

export type MigrationProcedureSpec = z.output<typeof migrationProcedureSchema>;
export type MigrationProcedure = MigrationProcedureSpec['procedure'];
export type MigrationProcedureSpecOf<K extends MigrationProcedure> = Extract<MigrationProcedureSpec, { procedure: K }>;

const procedures: { [K in MigrationProcedure]: MigrationProcedureDefinition<MigrationProcedureSpecOf<K>> } = {
  'copy-then-verify': copyThenVerify,
  'dual-write': dualWrite,
  'logical-replication': logicalReplication,
};

export const MIGRATION_PROCEDURES = migrationProcedureSchema.options.map((o) => o.shape.procedure.value);

/** The definition of a migration procedure; total over MigrationProcedure. */
export function migrationProcedure<K extends MigrationProcedure>(
  procedure: K,
): MigrationProcedureDefinition<MigrationProcedureSpecOf<K>> {
  return procedures[procedure];
}
