import { describe, expect, it } from 'vitest';
import { environmentSchema } from '../../scenario/schema.js';
import { chooseImages, OFFICIAL_MINIO_IMAGE } from './images.js';

const spec = (extra: object = {}) => environmentSchema.parse({ kind: 'testcontainers', ...extra });
const local = ['localhost/drdrill/postgres:15', 'localhost/drdrill/postgres:9', 'localhost/drdrill/minio:s3rver'];

describe('which images a containerised drill runs', () => {
  it('the scenario wins over the environment variables, which win over local builds', () => {
    const env = {
      DRDRILL_POSTGRES_IMAGE: 'registry.example/pg:16',
      DRDRILL_OBJECT_STORE_IMAGE: 'registry.example/minio:1',
    };
    expect(chooseImages(spec({ images: { postgres: 'postgres:16.4' } }), local, env).postgres).toEqual({
      name: 'postgres:16.4',
      source: 'environment.images.postgres',
    });
    expect(chooseImages(spec(), local, env)).toEqual({
      postgres: { name: 'registry.example/pg:16', source: 'DRDRILL_POSTGRES_IMAGE' },
      objectStore: { name: 'registry.example/minio:1', source: 'DRDRILL_OBJECT_STORE_IMAGE' },
    });
  });

  it('local builds are used when present: the requested major, else the newest (numerically)', () => {
    expect(chooseImages(spec(), local, {}).postgres.name).toBe('localhost/drdrill/postgres:15');
    expect(chooseImages(spec({ postgres: { version: '9' } }), local, {}).postgres.name).toBe(
      'localhost/drdrill/postgres:9',
    );
    expect(chooseImages(spec(), local, {}).objectStore.name).toBe('localhost/drdrill/minio:s3rver');
  });

  it('without local builds: the official postgres image of the requested major, and the pinned MinIO release', () => {
    expect(chooseImages(spec({ postgres: { version: '16' } }), [], {})).toEqual({
      postgres: { name: 'postgres:16', source: 'official image' },
      objectStore: { name: OFFICIAL_MINIO_IMAGE, source: 'official image' },
    });
    expect(chooseImages(spec({ postgres: { version: '16' } }), local, {}).postgres.name).toBe('postgres:16');
  });
});
