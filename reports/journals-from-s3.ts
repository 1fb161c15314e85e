import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DrillError, errorMessage } from '../harness/engine/errors.js';
import type { Journal } from '../harness/engine/journal.js';
import { parseJournal } from './journals.js';

/**
 * Every journal.json under s3://bucket/prefix, e.g. what the pods of a suite's Indexed Job wrote
 * (<prefix>/<suite>/<drill>/journal.json), sorted by key. Endpoint and region come from AWS_ENDPOINT_URL(_S3)
 * and AWS_REGION, credentials from the SDK's default chain.
 */
export async function journalsFromS3(url: string, s3: S3Client = defaultS3Client()): Promise<Journal[]> {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new DrillError('invalid-config', `${url}: expected s3://bucket/prefix`);
  const bucket = m[1]!;
  const prefix = m[2] ? m[2].replace(/\/?$/, '/') : '';
  const keys: string[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key && /(^|\/)journal\.json$/.test(o.Key)) keys.push(o.Key);
      token = page.NextContinuationToken;
    } while (token);
    if (!keys.length) throw new DrillError('invalid-config', `${url}: no journal.json under this prefix`);
    const out: Journal[] = [];
    for (const key of keys.sort()) {
      const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
      out.push(parseJournal(body, `s3://${bucket}/${key}`));
    }
    return out;
  } catch (err) {
    if (err instanceof DrillError) throw err;
    throw new DrillError('error', `${url}: ${errorMessage(err)}`);
  }
}

function defaultS3Client(): S3Client {
  const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  return new S3Client({
    region: process.env.AWS_REGION ?? 'us-east-1',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  });
}
