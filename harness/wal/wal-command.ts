import { readFileSync } from 'node:fs';
import { DrillError } from '../engine/errors.js';
import type { ObjectStoreConnection } from '../environments/types.js';
import type { ObjectStore } from '../objectstore/client.js';
import { fetchWal, RESTORE_ABORT, RESTORE_NOT_FOUND } from './fetch.js';
import { runPrefetcher } from './prefetch.js';

const USAGE = `usage: drdrill wal push --config <file> <path> <name>
       drdrill wal fetch --config <file> [--spool <dir> --prefetch <n>] <name> <destination>`;

/**
 * `wal push <path> <name>` (archive_command) and `wal fetch <name> <path>` (restore_command).
 * Exit codes follow PostgreSQL's contract: for fetch, 1 means "not in the archive" (the normal end of
 * recovery) and anything else aborts recovery (>125), so a failed download never ends recovery early.
 * The S3 client is loaded only when a command talks to the store: restore_command runs once per segment, and
 * a segment already prefetched is served without it.
 */
export async function runWalCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  const opts: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a.startsWith('--')) opts[a.slice(2)] = rest[++i] ?? '';
    else positional.push(a);
  }
  const fail = (code: number, msg: string) => {
    process.stderr.write(`drdrill wal ${action ?? ''}: ${msg}\n`);
    return code;
  };
  const abortCode = action === 'fetch' || action === 'prefetch' ? RESTORE_ABORT : 2;
  if (!opts.config) return fail(abortCode, `--config is required\n${USAGE}`);
  let conn: ObjectStoreConnection;
  try {
    conn = JSON.parse(readFileSync(opts.config, 'utf8')) as ObjectStoreConnection;
  } catch (err) {
    return fail(abortCode, `cannot read ${opts.config}: ${(err as Error).message}`);
  }
  let store: ObjectStore | undefined;
  const lazyStore = async () => (store ??= new (await import('../objectstore/client.js')).ObjectStore(conn));
  try {
    switch (action) {
      case 'push': {
        const [path, name] = positional;
        if (!path || !name) return fail(2, USAGE);
        const { pushWal } = await import('./push.js');
        const result = await pushWal(await lazyStore(), path, name);
        return result === 'conflict'
          ? fail(3, `${name} is already archived with different content; refusing to overwrite it`)
          : 0;
      }
      case 'fetch': {
        const [name, dest] = positional;
        if (!name || !dest) return fail(RESTORE_ABORT, USAGE);
        const found = await fetchWal(lazyStore, name, dest, opts.spool, Number(opts.prefetch ?? 0), opts.config);
        return found ? 0 : RESTORE_NOT_FOUND;
      }
      case 'prefetch': {
        const [depth] = positional;
        if (!opts.spool || !depth) return fail(2, USAGE);
        await runPrefetcher(lazyStore, opts.spool, Number(depth));
        return 0;
      }
      default:
        return fail(2, `unknown action "${action ?? ''}"\n${USAGE}`);
    }
  } catch (err) {
    return fail(abortCode, err instanceof DrillError || err instanceof Error ? err.message : String(err));
  } finally {
    store?.destroy();
  }
}
