import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Journal } from '../engine/journal.js';
import { redact, registerSecret } from '../util/logger.js';

/**
 * Registers the values of the environment variables a scenario names as secrets (the object store's keys),
 * so redact() masks them even when the bundle is made by a process other than the one that ran the drill.
 * Returns the variable names, for messages; never the values.
 */
export function registerScenarioSecrets(journal: Journal, env: NodeJS.ProcessEnv = process.env): string[] {
  const names = secretEnvNames(journal);
  for (const name of names) registerSecret(env[name]);
  return names;
}

export function secretEnvNames(journal: Journal): string[] {
  const parsed = journal.scenario.parsed;
  const names: string[] = [];
  const store = parsed.environment?.objectStore;
  if (store?.kind === 's3') names.push(store.accessKeyId.env, store.secretAccessKey.env);
  // Restore tests: the source bucket's keys and the DSNs of reference databases.
  if (parsed.kind === 'RestoreTest') {
    names.push(parsed.source.objectStore.accessKeyId.env, parsed.source.objectStore.secretAccessKey.env);
    for (const step of parsed.verify) {
      if ('compareWith' in step) names.push(step.compareWith.env);
      if ('schemaDiff' in step && 'reference' in step.schemaDiff) names.push(step.schemaDiff.reference.env);
    }
  } else if (parsed.kind === 'Drill')
    for (const step of parsed.verify) if ('compareWith' in step) names.push(step.compareWith.env);
  return [...new Set(names)];
}

/** True when the bytes still hold a registered secret; read as latin1 so binary files are scanned byte for byte. */
export function holdsSecret(content: Buffer): boolean {
  const text = content.toString('latin1');
  const utf8 = content.toString('utf8');
  return redact(text) !== text || redact(utf8) !== utf8;
}

/** Files (relative to dir) that still hold a secret. */
export async function filesHoldingSecrets(dir: string, files: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const f of files) if (holdsSecret(await readFile(join(dir, f)))) out.push(f);
  return out;
}

/** Text files are copied through redact(); a NUL byte in the first 8 KiB marks a binary file, copied as is. */
export function isText(content: Buffer): boolean {
  return !content.subarray(0, 8192).includes(0);
}
