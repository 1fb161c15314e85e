import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CallSite {
  file: string;
  line: number;
  col: number;
}

const API_DIR = fileURLToPath(new URL('.', import.meta.url));

/**
 * Where user code called into the API (the first stack frame outside harness/api/): a scenario built with
 * defineDrill() is reported there, the way a YAML scenario is reported at its file's line and column.
 */
export function callSite(): CallSite | undefined {
  const stack = new Error().stack?.split('\n').slice(1) ?? [];
  for (const frame of stack) {
    const m = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(frame);
    if (!m) continue;
    const file = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
    // The API's own modules (its colocated tests are callers) and test runners are not the caller.
    if (file.startsWith(API_DIR) && !/\.test\.[cm]?[jt]s$/.test(file)) continue;
    if (file.includes(`${sep}node_modules${sep}`)) continue;
    return { file: displayPath(file), line: Number(m[2]), col: Number(m[3]) };
  }
  return undefined;
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}
