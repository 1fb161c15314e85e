import type { CommandModule } from 'yargs';
import list from './list.js';
import run from './run.js';
import schema from './schema.js';
import validate from './validate.js';
import wal from './wal.js';

/** Every CLI command, one module each. */
export const commands: CommandModule<object, never>[] = [run, validate, list, schema, wal] as never;
