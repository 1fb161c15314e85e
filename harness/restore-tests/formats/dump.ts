import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { cpus } from 'node:os';
import { basename, posix } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { z } from 'zod';
import { DrillError } from '../../engine/errors.js';
import { quoteIdent } from '../../verification/table-probes.js';
import { withClient } from '../../util/pg-client.js';
import { fetchObject, objectUrl } from '../fetch-object.js';
import type { PgInstance, ToolResult } from '../../environments/types.js';
import { defineFormat, type ListedBackup, type ToolHost } from './types.js';

export const dumpFormatSpec = z.strictObject({
  type: z.literal('dump'),
  match: z
    .string()
    .default('\\.(sql\\.gz|sql|dump|pgdump|backup)$')
    .describe('a regular expression the dump files (keys under the prefix) match'),
});
type DumpSpec = z.output<typeof dumpFormatSpec>;

/** A timestamp in a file name, as the seed's postgres-full-YYYYmmdd-HHMMSS.sql.gz has (read as UTC). */
const NAME_TIME = /(\d{4})(\d{2})(\d{2})[-T_]?(\d{2})(\d{2})(\d{2})/;

type Layout = 'cluster-sql' | 'database-sql' | 'custom';

/**
 * pg_dump / pg_dumpall files in a bucket: custom-format archives, plain SQL, gzip plain SQL (the seed's nightly
 * `pg_dump ... --compress=9 > postgres-full-$(date +%Y%m%d-%H%M%S).sql.gz`). Each file is one backup; its time
 * is the timestamp in its name, else when it was uploaded. Checks before restoring: the gzip stream is whole,
 * a plain dump ends with pg_dump's "dump complete" trailer (a dump cut short still gunzips cleanly), and
 * `pg_restore -l` reads a custom archive's table of contents.
 */
export const dumpFormat = defineFormat<DumpSpec>({
  title: 'pg_dump / pg_dumpall files',
  pitr: false,
  initdb: true,
  validate(spec) {
    try {
      new RegExp(spec.match);
      return [];
    } catch (err) {
      return [`match is not a regular expression: ${(err as Error).message}`];
    }
  },
  async list(source, spec) {
    const match = new RegExp(spec.match);
    return (await source.store.list(''))
      .filter((o) => match.test(o.key))
      .map((o): ListedBackup => {
        const m = NAME_TIME.exec(posix.basename(o.key));
        const named = m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : NaN;
        const time = Number.isFinite(named) ? new Date(named) : (o.lastModified ?? new Date(0));
        return { id: o.key, time: time.toISOString(), bytes: o.bytes, objects: [o.key] };
      });
  },
  open(ctx, _spec, backup) {
    const key = backup.objects[0]!;
    const url = objectUrl(ctx, key);
    let file: { path: string; bytes: number; sha256: string } | undefined;
    let inspected: InspectedDump | undefined;
    return {
      async fetch() {
        file = await fetchObject(ctx, key);
        ctx.recorder.event('fetch', `fetched ${url}: ${file.bytes} bytes, sha256 ${file.sha256}`);
        return { bytes: file.bytes };
      },
      async integrity() {
        if (!file) throw new DrillError('error', 'the dump was not fetched');
        inspected = await inspectDumpFile(ctx.instance, file.path, url);
        ctx.recorder.check({
          name: `dump ${basename(key)} is intact (${inspected.gzip ? 'gzip test, ' : ''}${inspected.layout === 'custom' ? 'pg_restore -l' : 'complete SQL script'})`,
          status: inspected.problems.length ? 'failed' : 'passed',
          ...(inspected.problems.length ? { message: inspected.problems.join('; ') } : {}),
          evidence: { ...inspected.evidence, sha256: file.sha256 },
        });
        if (inspected.problems.length) throw new DrillError('failed', inspected.problems[0]!);
      },
      async restore() {
        if (!file || !inspected) throw new DrillError('error', 'the dump was not checked');
        const db = ctx.scenario.database;
        if (inspected.layout !== 'cluster-sql' && db !== 'postgres')
          await withClient(ctx.instance.connection('postgres'), (c) => c.query(`CREATE DATABASE ${quoteIdent(db)}`));
        const { result, errors } = await loadDumpFile(
          ctx.instance,
          file.path,
          inspected,
          db,
          ctx.env.kind === 'native',
        );
        await ctx.saveArtifact('restore-output.txt', result.stdout + result.stderr, result.command);
        const ok = errors.length === 0;
        ctx.recorder.check({
          name: `${url} restored without errors (${inspected.layout === 'custom' ? 'pg_restore' : 'psql'})`,
          status: ok ? 'passed' : 'failed',
          ...(ok ? {} : { message: `${errors.length} error(s): ${errors.slice(0, 3).join(' | ')}` }),
          evidence: {
            command: result.command,
            expected: 'no error',
            actual: `exit ${result.code}, ${errors.length} error(s)`,
            output: errors.slice(0, 50).join('\n'),
          },
        });
        if (!ok) throw new DrillError('failed', `restoring ${url} failed: ${errors[0]}`);
      },
    };
  },
});

export interface InspectedDump {
  layout: Layout;
  gzip: boolean;
  /** What is wrong with the file, each naming it; empty when it can be restored. */
  problems: string[];
  evidence: Record<string, unknown>;
}

/**
 * Checks a dump file before anything is restored: not empty, the gzip stream whole, a plain script complete
 * (pg_dump's trailer), a custom archive's table of contents readable (`pg_restore -l`). `name` names it in messages.
 */
export async function inspectDumpFile(tools: ToolHost, path: string, name: string): Promise<InspectedDump> {
  const problems: string[] = [];
  const { size } = await stat(path);
  const evidence: Record<string, unknown> = { object: name, bytes: size };
  const head = await readHead(path, 5);
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  let layout: Layout = 'database-sql';
  const classify = (h: string, tail: string) => {
    if (h.startsWith('PGDMP')) {
      problems.push(`${name}: a gzip-compressed custom-format archive; store it as pg_dump -Fc wrote it`);
      return;
    }
    layout = /-- PostgreSQL database cluster dump/.test(h) ? 'cluster-sql' : 'database-sql';
    evidence.layout = layout === 'cluster-sql' ? 'pg_dumpall (plain SQL)' : 'pg_dump (plain SQL)';
    const trailer =
      layout === 'cluster-sql' ? 'PostgreSQL database cluster dump complete' : 'PostgreSQL database dump complete';
    if (!/-- PostgreSQL database (cluster )?dump/.test(h))
      problems.push(`${name}: does not start like a pg_dump or pg_dumpall SQL script`);
    else if (!tail.includes(trailer))
      problems.push(`${name}: the SQL ends before pg_dump's "${trailer}" line: the dump is truncated`);
  };
  if (size === 0) problems.push(`${name} is empty (0 bytes): the backup job wrote nothing`);
  else if (gzip) {
    const test = await gunzipTest(path);
    evidence.gzip = test.error ? `gzip test failed: ${test.error}` : `gzip test passed: ${test.bytes} bytes of SQL`;
    if (test.error) problems.push(`${name}: gzip test failed after ${test.bytes} uncompressed bytes: ${test.error}`);
    else classify(test.head, test.tail);
  } else if (head.toString('latin1') === 'PGDMP') {
    layout = 'custom';
    const toc = await tools.runTool('pg_restore', { args: ['-l'], stdin: createReadStream(path), allowFailure: true });
    evidence.command = 'pg_restore -l';
    evidence.output = toc.stdout.split('\n').slice(0, 60).join('\n');
    if (toc.code !== 0) problems.push(`${name}: pg_restore -l failed: ${toc.stderr.trim().split('\n')[0]}`);
  } else {
    const text = await readEnds(path);
    classify(text.head, text.tail);
  }
  return { layout, gzip, problems, evidence };
}

/**
 * Loads a checked dump: a pg_dumpall script into postgres (it creates its databases), a pg_dump script or
 * archive into `database` (which must exist). Errors are every ERROR line but the role pg_dumpall re-creates.
 */
export async function loadDumpFile(
  instance: PgInstance,
  path: string,
  dump: InspectedDump,
  database: string,
  localFiles: boolean,
): Promise<{ result: ToolResult; errors: string[] }> {
  const result =
    dump.layout === 'custom'
      ? await instance.runTool('pg_restore', {
          args: [
            '--no-owner',
            '--no-privileges',
            '-d',
            database,
            ...(localFiles ? ['-j', String(Math.min(4, cpus().length)), path] : []),
          ],
          ...(localFiles ? {} : { stdin: createReadStream(path) }),
          allowFailure: true,
        })
      : await instance.runTool('psql', {
          args: [
            '-X',
            '-q',
            '-v',
            'ON_ERROR_STOP=0',
            '-d',
            dump.layout === 'cluster-sql' ? 'postgres' : database,
            '-f',
            '-',
          ],
          stdin: dump.gzip ? createReadStream(path).pipe(createGunzip()) : createReadStream(path),
          allowFailure: true,
        });
  const errors = result.stderr
    .split('\n')
    .filter((l) => /ERROR:|error:/.test(l))
    // pg_dumpall re-creates the role that runs the restore; that one error is expected.
    .filter((l) => !/role "postgres" already exists/.test(l));
  if (!errors.length && result.code !== 0)
    errors.push(`${basename(result.command.split(' ')[0] ?? '')} exited ${result.code}`);
  return { result, errors };
}

async function readHead(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

const KEEP = 64 * 1024;

async function readEnds(path: string): Promise<{ head: string; tail: string }> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(Math.min(KEEP, size));
    await fh.read(head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(KEEP, size));
    await fh.read(tail, 0, tail.length, size - tail.length);
    return { head: head.toString('utf8'), tail: tail.toString('utf8') };
  } finally {
    await fh.close();
  }
}

/** Decompresses the whole file, keeping its first and last bytes; the error, if the stream is not whole. */
async function gunzipTest(path: string): Promise<{ bytes: number; head: string; tail: string; error?: string }> {
  let bytes = 0;
  let head = Buffer.alloc(0);
  let tail = Buffer.alloc(0);
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (head.length < KEEP) head = Buffer.concat([head, chunk.subarray(0, KEEP - head.length)]);
      tail = Buffer.concat([tail, chunk]).subarray(-KEEP);
      cb();
    },
  });
  try {
    await pipeline(createReadStream(path), createGunzip(), sink);
    return { bytes, head: head.toString('utf8'), tail: tail.toString('utf8') };
  } catch (err) {
    return { bytes, head: head.toString('utf8'), tail: tail.toString('utf8'), error: (err as Error).message };
  }
}
