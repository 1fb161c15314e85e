import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DrillError, errorMessage } from '../../harness/engine/errors.js';
import type { Journal } from '../../harness/engine/journal.js';
import { findJournalFiles, readJournalFile } from '../journals.js';
import { defaultS3Client, journalsFromS3, parseS3Url } from '../journals-from-s3.js';

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

/** Where a journal lives in a history: <drill>/<start time>/journal.json, so runs never collide. */
export function historyKey(journal: Journal): string {
  return `${journal.drill}/${journal.startedAt.replace(/[-:.]/g, '')}/journal.json`;
}

/**
 * Stores journals in a history (a directory or s3://bucket/prefix), where later `--trends` and cadence read them.
 * A run stored again (e.g. after drdrill annotate) replaces its earlier copy. Returns where each went.
 */
export async function saveHistory(source: string, journals: Journal[], s3?: S3Client): Promise<string[]> {
  const out: string[] = [];
  if (!source.startsWith('s3://')) {
    for (const j of journals) {
      const file = join(source, historyKey(j));
      try {
        await mkdir(join(file, '..'), { recursive: true });
        await writeFile(file, JSON.stringify(j, null, 2) + '\n');
      } catch (err) {
        throw new DrillError('error', `--trends ${source}: cannot write ${file} (${errorMessage(err)})`);
      }
      out.push(file);
    }
    return out;
  }
  const { bucket, prefix } = parseS3Url(source, '--trends');
  const client = s3 ?? defaultS3Client();
  for (const j of journals) {
    const key = `${prefix}${prefix && !prefix.endsWith('/') ? '/' : ''}${historyKey(j)}`;
    const body = Buffer.from(JSON.stringify(j, null, 2) + '\n');
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ContentType: 'application/json',
        }),
      );
    } catch (err) {
      throw new DrillError('error', `--trends ${source}: cannot store s3://${bucket}/${key} (${errorMessage(err)})`);
    }
    out.push(`s3://${bucket}/${key}`);
  }
  return out;
}

function loadFromS3(url: string, s3: S3Client): Promise<Journal[]> {
  return journalsFromS3(url, s3, { label: '--trends', allowEmpty: true });
}
