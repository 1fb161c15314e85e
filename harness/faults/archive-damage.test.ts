import { describe, expect, it } from 'vitest';
import type { ObjectStoreConnection } from '../environments/types.js';
import { ObjectStore } from '../objectstore/client.js';
import { ownObject } from './archive-damage.js';

const store = (kind: ObjectStoreConnection['kind'], prefix: string) =>
  new ObjectStore({
    kind,
    endpoint: 'http://127.0.0.1:9',
    endpointForInstances: 'http://127.0.0.1:9',
    bucket: 'shared',
    prefix,
    region: 'us-east-1',
    forcePathStyle: true,
    accessKeyId: 'k',
    secretAccessKey: 's',
  });

describe('what archive damage may touch', () => {
  const external = store('s3', 'team/drdrill/x/x-run1/');

  it('an object this drill wrote, under its run prefix', () => {
    expect(ownObject(external, 'backups/b1/base.tar', true, 'tamper with')).toBe('backups/b1/base.tar');
  });

  it.each([
    ['a key that climbs out of the prefix', '../x-run0/backups/b0/base.tar', true],
    ['an absolute-looking key', '/backups/b0/base.tar', true],
    ['a dot segment', 'backups/./b0/base.tar', true],
    ['an object the drill did not write', 'backups/b0/base.tar', false],
  ])('refuses %s', (_what, rel, wrote) => {
    expect(() => ownObject(external, rel, wrote, 'tamper with')).toThrow(
      /^refusing to tamper with s3:\/\/shared\/.*: drdrill damages only objects this drill wrote, under its run prefix team\/drdrill\/x\/x-run1\/$/,
    );
  });

  it('refuses an external store without a run prefix; the per-drill embedded bucket is the drill own', () => {
    expect(() => ownObject(store('s3', ''), 'wal/000000010000000000000003', true, 'remove')).toThrow(/refusing/);
    expect(ownObject(store('embedded', ''), 'wal/000000010000000000000003', true, 'remove')).toBe(
      'wal/000000010000000000000003',
    );
  });
});
