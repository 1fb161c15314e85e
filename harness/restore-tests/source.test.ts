import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { openSource } from './source.js';

const conn = {
  kind: 's3' as const,
  endpoint: 'http://127.0.0.1:1',
  endpointForInstances: 'http://127.0.0.1:1',
  bucket: 'my-backups',
  prefix: '',
  region: 'us-east-1',
  forcePathStyle: true,
  accessKeyId: 'key',
  secretAccessKey: 'secret',
};

describe('the source client', () => {
  it('refuses PUT and DELETE before they leave the process, and lets GET through', async () => {
    const store = openSource(conn);
    // The read-only type has no write method; the client under it refuses writes too.
    const { client } = store as unknown as { client: S3Client };
    try {
      await expect(client.send(new PutObjectCommand({ Bucket: 'my-backups', Key: 'x', Body: 'y' }))).rejects.toThrow(
        'refusing to send PUT to the source bucket my-backups: sources are read-only',
      );
      await expect(client.send(new DeleteObjectCommand({ Bucket: 'my-backups', Key: 'x' }))).rejects.toThrow(
        'refusing to send DELETE',
      );
      // A GET is sent: it fails only because nothing listens there.
      await expect(client.send(new GetObjectCommand({ Bucket: 'my-backups', Key: 'x' }))).rejects.toThrow(
        /ECONNREFUSED|connect/,
      );
    } finally {
      store.destroy();
    }
  });
});
