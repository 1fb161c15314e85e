import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { EXIT_CODES } from '../engine/exit-codes.js';
import type { Journal } from '../engine/journal.js';
import { runScenario } from './drill-run.js';
import { BUCKET, SOURCE_ENV, writeRequests, type Production } from './production.js';
import type { RecordedRequest } from './recording-s3.js';
import type { CliResult } from './run-cli.js';
import { tempDir } from './run-cli.js';

export interface RestoreTestRun {
  r: CliResult;
  j: Journal;
  dir: string;
  work: string;
  /** Requests the source bucket received during the run that could change it (anything but GET/HEAD). */
  writes: RecordedRequest[];
  /** Objects whose bytes differ after the run, or that appeared or disappeared. */
  changed: string[];
  requests: number;
}

/**
 * Runs a restore test scenario with the real CLI against a production setup's bucket, and reports what the
 * run did to the source, measured at the S3 server: write requests, and objects that changed.
 */
export async function runRestoreTest(
  p: Production,
  name: string,
  yaml: string,
  opts: { keep?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<RestoreTestRun> {
  const file = join(tempDir('drdrill-rt-'), `${name}.yaml`);
  writeFileSync(file, yaml);
  const before = p.snapshot();
  const from = p.s3.requests().length;
  const run = await runScenario(file, name, {
    keep: opts.keep ?? false,
    env: { ...SOURCE_ENV, ...(p.s3.cert ? { NODE_EXTRA_CA_CERTS: p.s3.cert } : {}), ...opts.env },
  });
  const after = p.snapshot();
  const requests = p.requestsSince(from);
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k));
  return { ...run, writes: writeRequests(requests), changed, requests: requests.length };
}

/**
 * Replaces one object of the production bucket with `tamper(its bytes)` for the length of `body`, then puts the
 * original back, whatever `body` did.
 */
export async function withTamperedObject<T>(
  p: Production,
  key: string,
  tamper: (original: Buffer) => Buffer,
  body: () => Promise<T>,
): Promise<T> {
  const original = join(p.dir, 'original-object');
  const damaged = join(p.dir, 'tampered-object');
  await p.aws(['s3', 'cp', `s3://${BUCKET}/${key}`, original]);
  writeFileSync(damaged, tamper(readFileSync(original)));
  await p.aws(['s3', 'cp', damaged, `s3://${BUCKET}/${key}`]);
  try {
    return await body();
  } finally {
    await p.aws(['s3', 'cp', original, `s3://${BUCKET}/${key}`]);
  }
}

/** A restore test that met a damaged object: it failed naming it, never replayed, and left the source as it was. */
export function expectRefusedBeforeReplay(run: RestoreTestRun, key: string): void {
  expect(run.r.code).toBe(EXIT_CODES.failed);
  expect(run.j.reason).toContain(`s3://${BUCKET}/${key}`);
  expect(run.j.phases.find((ph) => ph.name === 'replay')!.status).toBe('skipped');
  expect(run.writes).toEqual([]);
  expect(run.changed).toEqual([]);
}

/** The source block of a restore test scenario against a production setup's bucket. */
export function sourceYaml(p: Production, prefix: string, format: string, select = 'newest'): string {
  return `source:
  objectStore:
    kind: s3
    endpoint: ${p.s3.endpoint}
    bucket: my-backups
    prefix: ${prefix}
    accessKeyId: { env: SRC_KEY }
    secretAccessKey: { env: SRC_SECRET }
  format: ${format}
  select: ${select}
`;
}
