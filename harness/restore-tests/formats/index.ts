import { z } from 'zod';
import { barmanCloudFormat, barmanCloudFormatSpec } from './barman-cloud.js';
import { basebackupWalFormat, basebackupWalFormatSpec } from './basebackup-wal.js';
import { dumpFormat, dumpFormatSpec } from './dump.js';
import { pgbackrestFormat, pgbackrestFormatSpec } from './pgbackrest.js';
import type { BackupFormat } from './types.js';

/** Every backup format a restore test reads; `source.format.type` selects one. One module per format. */
export const formatSchema = z.discriminatedUnion('type', [
  dumpFormatSpec,
  basebackupWalFormatSpec,
  pgbackrestFormatSpec,
  barmanCloudFormatSpec,
]);

export type FormatSpec = z.output<typeof formatSchema>;
export type FormatType = FormatSpec['type'];
export type FormatSpecOf<K extends FormatType> = Extract<FormatSpec, { type: K }>;

const formats: { [K in FormatType]: BackupFormat<FormatSpecOf<K>> } = {
  dump: dumpFormat,
  'basebackup-wal': basebackupWalFormat,
  pgbackrest: pgbackrestFormat,
  'barman-cloud': barmanCloudFormat,
};

export const FORMAT_TYPES = formatSchema.options.map((o) => o.shape.type.value);

/** The definition of a format; total over FormatType. */
export function formatDefinition<K extends FormatType>(type: K): BackupFormat<FormatSpecOf<K>> {
  return formats[type];
}
