import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Journal } from '../engine/journal.js';
import { runScenario } from './drill-run.js';
import { SOURCE_ENV, writeRequests, type Production } from './production.js';
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
