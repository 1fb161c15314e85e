import type { Drill } from '../engine/context.js';
import type { BackupRecord } from '../engine/journal.js';
import type { PgInstance, StartedEnvironment } from '../environments/types.js';
import type { Scenario } from '../scenario/schema.js';

/**
 * One backup method, in one module: its scenario spec (zod, exported beside it and registered in index.ts)
 * and this definition. `S` is the parsed spec.
 */
export interface BackupDefinition<S> {
  validate?(spec: S, scenario: Scenario): string[];
  /** Settings the primary needs before its first start (archive_mode, archive_command, ...). */
  instanceSettings?(
    spec: S,
    env: StartedEnvironment,
    instance: PgInstance,
  ): Promise<Record<string, string | number | boolean>>;
  /** One-time setup after the primary is up (e.g. pgbackrest stanza-create). */
  prepare?(drill: Drill, spec: S): Promise<void>;
  /** Takes the backup(s) into the object store and returns what was stored. */
  take(drill: Drill, spec: S): Promise<BackupRecord[]>;
}

export function defineBackup<S>(definition: BackupDefinition<S>): BackupDefinition<S> {
  return definition;
}
