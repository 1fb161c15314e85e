import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { redact } from '../harness/util/logger.js';

/** Every report file goes through redact(): a secret registered by the run never reaches disk. */
export async function writeReport(file: string, text: string): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, redact(text));
  return file;
}
