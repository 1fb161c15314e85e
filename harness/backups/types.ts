import type { DrillContext } from '../engine/context.js';
import type { BackupRecord } from '../engine/journal.js';
import type { BackupMethod, BackupSpec, Scenario } from '../scenario/schema.js';
import type { PgInstance, StartedEnvironment } from '../environments/types.js';

export interface BackupDefinition<M extends BackupMethod = BackupMethod> {
  method: M;
  validate?(spec: Extract<BackupSpec, { method: M }>, scenario: Scenario): string[];
  /** Settings the primary needs before its first start (archive_mode, archive_command, ...). */
  instanceSettings?(
    spec: Extract<BackupSpec, { method: M }>,
    env: StartedEnvironment,
    instance: PgInstance,
  ): Promise<Record<string, string | number | boolean>>;
  /** One-time setup after the primary is up (e.g. pgbackrest stanza-create). */
  prepare?(ctx: DrillContext, spec: Extract<BackupSpec, { method: M }>): Promise<void>;
  /** Takes the backup(s) into the object store and returns what was stored. */
  take(ctx: DrillContext, spec: Extract<BackupSpec, { method: M }>): Promise<BackupRecord[]>;
}
