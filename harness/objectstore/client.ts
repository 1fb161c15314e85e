import { createHash } from 'node:crypto';
import { Readable, PassThrough } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent as HttpsAgent } from 'node:https';
import { readFileSync } from 'node:fs';
import { DrillError } from '../engine/errors.js';
import type { ObjectStoreConnection } from '../environments/types.js';

export interface StoredObject {
  key: string;
  bytes: number;
  sha256: string;
}
export interface ListedObject {
  key: string;
  bytes: number;
  lastModified?: Date;
}

/**
 * The one S3 client drdrill uses, for any endpoint (embedded s3rver, MinIO, AWS).
 * Checksums are WHEN_REQUIRED: the SDK's default aws-chunked uploads are stored with their framing by
 * s3rver, silently corrupting objects.
 */
export class ObjectStore {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;

  constructor(readonly conn: ObjectStoreConnection) {
    this.bucket = conn.bucket;
    this.prefix = conn.prefix;
    this.client = new S3Client({
      endpoint: conn.endpoint,
      region: conn.region,
      forcePathStyle: conn.forcePathStyle,
      credentials: { accessKeyId: conn.accessKeyId, secretAccessKey: conn.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      ...(conn.caCertFile
        ? { requestHandler: new NodeHttpHandler({ httpsAgent: new HttpsAgent({ ca: readFileSync(conn.caCertFile) }) }) }
        : {}),
    });
  }

  key(rel: string): string {
    return this.prefix + rel;
  }

  /** A key relative to this drill's prefix; catalogs store relative keys, and tolerate full ones. */
  rel(key: string): string {
    return this.prefix && key.startsWith(this.prefix) ? key.slice(this.prefix.length) : key;
  }

  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      if (statusOf(err) !== 404 && statusOf(err) !== 403 && !isNotFound(err))
        throw this._wrap(err, `bucket ${this.bucket}`);
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket })).catch((e) => {
        throw this._wrap(e, `create bucket ${this.bucket}`);
      });
    }
  }

  /** Uploads a buffer or stream, hashing it on the way; multipart for streams. */
  async put(rel: string, body: Buffer | string | Readable): Promise<StoredObject> {
    const Key = this.key(rel);
    try {
      if (typeof body === 'string' || Buffer.isBuffer(body)) {
        const buf = Buffer.from(body);
        await this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key, Body: buf, ContentLength: buf.length }),
        );
        return { key: Key, bytes: buf.length, sha256: sha256(buf) };
      }
      const hash = createHash('sha256');
      let bytes = 0;
      const tee = new PassThrough();
      body.on('data', (c: Buffer) => {
        hash.update(c);
        bytes += c.length;
      });
      body.on('error', (e) => tee.destroy(e));
      body.pipe(tee);
      await new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key, Body: tee },
        queueSize: 4,
        partSize: 16 * 1024 * 1024,
      }).done();
      return { key: Key, bytes, sha256: hash.digest('hex') };
    } catch (err) {
      throw this._wrap(err, `upload s3://${this.bucket}/${Key}`);
    }
  }

  async getStream(rel: string): Promise<Readable> {
    const Key = this.key(rel);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      return out.Body as Readable;
    } catch (err) {
      throw this._wrap(err, `download s3://${this.bucket}/${Key}`);
    }
  }

  async getBuffer(rel: string): Promise<Buffer> {
    const stream = await this.getStream(rel);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  /** undefined when the object does not exist. */
  async head(rel: string): Promise<{ bytes: number; etag?: string } | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(rel) }));
      return { bytes: out.ContentLength ?? 0, ...(out.ETag ? { etag: out.ETag } : {}) };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw this._wrap(err, `head s3://${this.bucket}/${this.key(rel)}`);
    }
  }

  async list(relPrefix: string): Promise<ListedObject[]> {
    const out: ListedObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.client
        .send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.key(relPrefix), ContinuationToken: token }))
        .catch((e) => {
          throw this._wrap(e, `list s3://${this.bucket}/${this.key(relPrefix)}`);
        });
      for (const o of page.Contents ?? []) {
        if (o.Key)
          out.push({
            key: o.Key.slice(this.prefix.length),
            bytes: o.Size ?? 0,
            ...(o.LastModified ? { lastModified: o.LastModified } : {}),
          });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async delete(rel: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(rel) })).catch((e) => {
      throw this._wrap(e, `delete ${rel}`);
    });
  }

  async deletePrefix(relPrefix: string): Promise<number> {
    const objects = await this.list(relPrefix);
    for (let i = 0; i < objects.length; i += 1000) {
      const batch = objects.slice(i, i + 1000).map((o) => ({ Key: this.key(o.key) }));
      await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch } }));
    }
    return objects.length;
  }

  destroy(): void {
    this.client.destroy();
  }

  private _wrap(err: unknown, what: string): DrillError {
    const status = statusOf(err);
    const code = err instanceof S3ServiceException ? err.name : (err as NodeJS.ErrnoException)?.code;
    const unreachable = ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET'].includes(String(code));
    const detail = unreachable
      ? `endpoint ${this.conn.endpoint} is unreachable (${code})`
      : `${code ?? 'error'}${status ? ` (HTTP ${status})` : ''}: ${(err as Error)?.message ?? err}`;
    return new DrillError(unreachable ? 'missing-prerequisite' : 'error', `object store: ${what}: ${detail}`, {
      cause: err,
    });
  }
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return statusOf(err) === 404 || name === 'NotFound' || name === 'NoSuchKey' || name === 'NoSuchBucket';
}

export function readableFrom(data: Buffer): Readable {
  return Readable.from([data]);
}
