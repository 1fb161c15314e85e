import type { Command } from '../define-command.js';
import annotate from './annotate.js';
import audit from './audit.js';
import backups from './backups.js';
import evidence from './evidence.js';
import gc from './gc.js';
import kind from './kind.js';
import list from './list.js';
import manifests from './manifests.js';
import report from './report.js';
import run from './run.js';
import schema from './schema.js';
import validate from './validate.js';
import wal from './wal.js';

/** Every CLI command, one module each. */
export const commands: Command[] = [
  run,
  validate,
  list,
  report,
  evidence,
  audit,
  backups,
  annotate,
  schema,
  wal,
  gc,
  kind,
  manifests,
];
