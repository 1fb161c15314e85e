import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { DrillError } from '../../engine/errors.js';

const INSTALL_HINT =
  'install the PostgreSQL server (Debian/Ubuntu: apt-get install postgresql) or set PG_BIN to the directory holding initdb and postgres';

/** PG_BIN, then `pg_config --bindir`, then the newest /usr/lib/postgresql/<major>/bin. */
export function findPostgresBinDir(wantedMajor?: string): string {
  const candidates: { dir: string; source: string }[] = [];
  if (process.env.PG_BIN) candidates.push({ dir: process.env.PG_BIN, source: 'PG_BIN' });
  try {
    const dir = execFileSync('pg_config', ['--bindir'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (dir) candidates.push({ dir, source: 'pg_config --bindir' });
  } catch {
    // pg_config is not on PATH on Debian: the next candidate covers it.
  }
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const majors = readdirSync(root)
      .filter((d) => /^\d+$/.test(d))
      .sort((a, b) => Number(b) - Number(a));
    for (const m of majors) candidates.push({ dir: join(root, m, 'bin'), source: root });
  }
  const usable = candidates.filter((c) => existsSync(join(c.dir, 'initdb')) && existsSync(join(c.dir, 'postgres')));
  if (wantedMajor) {
    const match = usable.find((c) => majorOf(c.dir) === wantedMajor);
    if (match) return match.dir;
    if (usable.length)
      throw new DrillError(
        'missing-prerequisite',
        `environment.postgres.version is "${wantedMajor}" but the PostgreSQL found (${usable.map((c) => `${c.dir}: ${majorOf(c.dir) ?? '?'}`).join(', ')}) is another major version; install postgresql-${wantedMajor} or set PG_BIN`,
      );
  }
  const first = usable[0];
  if (first) return first.dir;
  if (process.env.PG_BIN)
    throw new DrillError(
      'missing-prerequisite',
      `PG_BIN=${process.env.PG_BIN} holds no initdb/postgres; ${INSTALL_HINT}`,
    );
  throw new DrillError(
    'missing-prerequisite',
    `PostgreSQL server binaries not found (looked at PG_BIN, pg_config --bindir, /usr/lib/postgresql/*/bin); ${INSTALL_HINT}`,
  );
}

const majorCache = new Map<string, string | undefined>();
export function majorOf(binDir: string): string | undefined {
  if (!majorCache.has(binDir)) {
    try {
      const out = execFileSync(join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' });
      majorCache.set(binDir, /(\d+)(?:\.\d+)?/.exec(out)?.[1]);
    } catch {
      majorCache.set(binDir, undefined);
    }
  }
  return majorCache.get(binDir);
}
