import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseDsn } from 'pg-connection-string';
import { DrillError, errorMessage } from '../engine/errors.js';
import { verifyAmcheck } from '../verification/amcheck.js';
import { lineDiff } from '../verification/schema-diff.js';
import { normaliseSchemaDump, schemaDump } from '../verification/schema-dump.js';
import { listTables, rowCount } from '../verification/table-probes.js';
import { verifyCompareWith, verifySqlAssertion, type CheckTarget } from '../verification/user-checks.js';
import { registerSecret } from '../util/logger.js';
import { withClient } from '../util/pg-client.js';
import type { RestoreTest } from './context.js';
import type { RestoreVerifyStep } from './schema.js';

/**
 * The restored database answers, and what it holds: every table with its row count (evidence, and the
 * figures a user compares with production). Then the scenario's own checks.
 */
export async function verifyRestored(ctx: RestoreTest): Promise<void> {
  const db = ctx.scenario.database;
  const conn = ctx.instance.connection(db);
  try {
    const counts = await withClient(conn, async (c) => {
      const out: Record<string, number> = {};
      for (const t of await listTables(c)) out[t] = await rowCount(c, t);
      return out;
    });
    ctx.recorder.measure('restore.tables', counts);
    ctx.recorder.check({
      name: `the restored database "${db}" answers queries`,
      status: 'passed',
      evidence: { query: 'SELECT count(*) FROM <each table>', actual: counts },
    });
  } catch (err) {
    ctx.recorder.check({
      name: `the restored database "${db}" answers queries`,
      status: 'failed',
      message: errorMessage(err),
      evidence: { query: 'SELECT count(*) FROM <each table>' },
    });
    throw new DrillError('failed', `the restored database "${db}" cannot be read: ${errorMessage(err)}`);
  }
  for (const step of ctx.scenario.verify) {
    try {
      await runStep(ctx, step);
    } catch (err) {
      ctx.recorder.check({
        name: Object.keys(step)[0] ?? 'step',
        status: 'error',
        message: `could not run: ${errorMessage(err)}`,
        evidence: {},
      });
    }
  }
}

function target(ctx: RestoreTest, database: string | undefined): CheckTarget {
  return {
    recorder: ctx.recorder,
    conn: ctx.instance.connection(database ?? ctx.scenario.database),
    ...(ctx.selected ? { substitutions: { backupTime: ctx.selected.time } } : {}),
  };
}

async function runStep(ctx: RestoreTest, step: RestoreVerifyStep): Promise<void> {
  if ('sql' in step) return verifySqlAssertion(target(ctx, step.database), step);
  if ('compareWith' in step) return verifyCompareWith(target(ctx, step.database), step);
  if ('amcheck' in step)
    return verifyAmcheck({ primary: ctx.instance, recorder: ctx.recorder }, step.database ?? ctx.scenario.database);
  return verifySchema(ctx, step);
}

/** `pg_dump -s` of the restored database against a committed schema file or a reference database (read-only). */
async function verifySchema(
  ctx: RestoreTest,
  step: Extract<RestoreVerifyStep, { schemaDiff: unknown }>,
): Promise<void> {
  const db = step.database ?? ctx.scenario.database;
  let expected: string;
  let source: string;
  if ('file' in step.schemaDiff) {
    const file = resolve(dirname(ctx.loaded.file), step.schemaDiff.file);
    expected = normaliseSchemaDump(await readFile(file, 'utf8'));
    source = step.schemaDiff.file;
  } else {
    const dsn = process.env[step.schemaDiff.reference.env];
    if (!dsn)
      throw new DrillError(
        'missing-prerequisite',
        `schemaDiff.reference.env names ${step.schemaDiff.reference.env}, which is not set`,
      );
    registerSecret(dsn);
    const p = parseDsn(dsn);
    if (p.password) registerSecret(p.password);
    const env: Record<string, string> = {
      ...(p.host ? { PGHOST: p.host } : {}),
      ...(p.port ? { PGPORT: String(p.port) } : {}),
      ...(p.user ? { PGUSER: p.user } : {}),
      ...(p.password ? { PGPASSWORD: p.password } : {}),
      ...(p.database ? { PGDATABASE: p.database } : {}),
      PGOPTIONS: '-c default_transaction_read_only=on',
    };
    expected = await schemaDump(ctx.instance, db, env);
    source = `the reference database (${step.schemaDiff.reference.env})`;
  }
  const diff = lineDiff(expected.trim(), (await schemaDump(ctx.instance, db)).trim());
  ctx.recorder.check({
    name: `schema of "${db}" (pg_dump -s) matches ${source}`,
    status: diff.length ? 'failed' : 'passed',
    ...(diff.length ? { message: `${diff.length} line(s) differ, first: ${diff[0]}` } : {}),
    evidence: { command: 'pg_dump -s --no-owner --no-privileges', output: diff.slice(0, 200).join('\n') },
  });
}
