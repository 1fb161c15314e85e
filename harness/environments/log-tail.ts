import { readFile } from 'node:fs/promises';

/** The last lines of a server log the harness can read directly; empty when it does not exist yet. */
export async function fileTail(file: string, lines: number): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).slice(-lines).join('\n');
}
