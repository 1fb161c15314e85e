import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DrillError, errorMessage } from '../../harness/engine/errors.js';
import type { Journal } from '../../harness/engine/journal.js';
import { findJournalFiles, parseJournal, readJournalFile } from '../journals.js';

/** Journals of past drills from a directory or an S3 prefix (s3://bucket/prefix). */
export async function loadHistory(source: string, s3?: S3Client): Promise<Journal[]> {
  if (source.startsWith('s3://')) return loadFromS3(source, s3 ?? defaultS3Client());
  let files: string[];
  try {
    files = await findJournalFiles(source);
  } catch (err) {
    throw new DrillError(
      'invalid-config',
      `--trends ${source}: cannot read the directory (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`,
    );
  }
  return Promise.all(files.map(readJournalFile));
}

/** Endpoint and region from the standard AWS variables; credentials from the SDK's default chain. */
function defaultS3Client(): S3Client {
  const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  return new S3Client({
    region: process.env.AWS_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  });
}

async function loadFromS3(url: string, s3: S3Client): Promise<Journal[]> {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new DrillError('invalid-config', `--trends ${url}: expected s3://bucket/prefix`);
  const [, bucket, prefix] = m as unknown as [string, string, string];
  const keys: string[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key?.endsWith('journal.json')) keys.push(o.Key);
      token = page.NextContinuationToken;
    } while (token);
    const out: Journal[] = [];
    for (const key of keys.sort()) {
      const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
      out.push(parseJournal(body, `s3://${bucket}/${key}`));
    }
    return out;
  } catch (err) {
    if (err instanceof DrillError) throw err;
    throw new DrillError('error', `--trends ${url}: ${errorMessage(err)}`);
  }
}
