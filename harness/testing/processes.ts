import { readdirSync, readFileSync } from 'node:fs';

/** PIDs whose command line mentions `needle` (e.g. a drill's work directory). */
export function processesMentioning(needle: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(needle) && Number(entry) !== process.pid) out.push({ pid: Number(entry), cmd });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}
