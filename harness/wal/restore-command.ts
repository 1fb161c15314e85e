/**
 * restore_command with a shell fast path for prefetched segments. A segment the prefetcher already downloaded
 * (and checked against its sha256) is moved into place by the shell, and its name recorded so the prefetcher
 * keeps running ahead: no Node.js process starts for it. Anything else (a miss, a history file, a failed move)
 * runs `wal fetch`, which downloads, reports errors with its exit codes and (re)starts the prefetcher.
 *
 * `fetchCommand` is an environment's `walCommand('fetch', ...)`; its `--spool <dir>` names the spool.
 */
export function restoreCommandWithSpool(fetchCommand: string, prefetch: number): string {
  const spool = / --spool ('(?:[^']|'\\'')*'|[^\s']+)/.exec(fetchCommand)?.[1];
  if (!spool || prefetch <= 0) return fetchCommand;
  const file = (name: string) => (spool.endsWith("'") ? `${spool.slice(0, -1)}/${name}'` : `${spool}/${name}`);
  return `[ -f ${file('%f')} ] && echo %f > ${file('.wanted')} && mv ${file('%f')} %p && exit 0; exec ${fetchCommand}`;
}
