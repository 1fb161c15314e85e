import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DrillError, errorMessage } from '../harness/engine/errors.js';
import type { Journal } from '../harness/engine/journal.js';
import { parseJournal } from './journals.js';

/** Endpoint and region from the standard AWS variables; credentials from the SDK's default chain. */
export function defaultS3Client(): S3Client {
  const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  return new S3Client({
    region: process.env.AWS_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    // As in harness/objectstore: S3-compatible stores (s3rver, older MinIO) mishandle the SDK's default checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** s3://bucket/prefix, with `label` (e.g. "--trends") in the message when it is not one. */
export function parseS3Url(url: string, label = ''): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new DrillError('invalid-config', `${label ? `${label} ` : ''}${url}: expected s3://bucket/prefix`);
  return { bucket: m[1]!, prefix: m[2] ? m[2].replace(/\/?$/, '/') : '' };
}

/**
 * Every journal.json under s3://bucket/prefix, e.g. what the pods of a suite's Indexed Job wrote
 * (<prefix>/<suite>/<drill>/journal.json) or a trends history, sorted by key.
 */
export async function journalsFromS3(
  url: string,
  s3: S3Client = defaultS3Client(),
  opts: { label?: string; allowEmpty?: boolean } = {},
): Promise<Journal[]> {
  const label = opts.label ? `${opts.label} ` : '';
  const { bucket, prefix } = parseS3Url(url, opts.label);
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
    if (!keys.length && !opts.allowEmpty)
      throw new DrillError('invalid-config', `${label}${url}: no journal.json under this prefix`);
    const out: Journal[] = [];
    for (const key of keys.sort()) {
      const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
      out.push(parseJournal(body, `s3://${bucket}/${key}`));
    }
    return out;
  } catch (err) {
    if (err instanceof DrillError) throw err;
    throw new DrillError('error', `${label}${url}: ${errorMessage(err)}`);
  }
}
