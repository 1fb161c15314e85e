import { describe, expect, it } from 'vitest';
import { DrillError } from '../engine/errors.js';
import { tablesRead } from '../verification/user-check-specs.js';
import type { ListedBackup } from './formats/types.js';
import { backupAgeSeconds, selectBackup } from './select.js';

const at = Date.parse('2026-11-26T12:00:00Z');
const backups: ListedBackup[] = [
  { id: 'b', time: '2026-11-25T02:00:00Z', bytes: 2, objects: [] },
  { id: 'a', time: '2026-11-24T02:00:00Z', bytes: 1, objects: [] },
  { id: 'c', time: '2026-11-26T02:00:00Z', bytes: 3, objects: [] },
];

describe('source.select', () => {
  it('newest, before a time, before a duration ago, by id', () => {
    expect(selectBackup(backups, 'newest', at).id).toBe('c');
    expect(selectBackup(backups, { before: '2026-11-26T00:00:00Z' }, at).id).toBe('b');
    expect(selectBackup(backups, { before: '24h' }, at).id).toBe('b');
    expect(selectBackup(backups, { before: '40h' }, at).id).toBe('a');
    expect(selectBackup(backups, { id: 'a' }, at).id).toBe('a');
  });

  it('says what the source holds when nothing matches', () => {
    expect(() => selectBackup(backups, { id: 'x' }, at)).toThrow('the source holds no backup "x"; it holds b, a, c');
    expect(() => selectBackup(backups, { before: '2026-01-01T00:00:00Z' }, at)).toThrow(
      'no backup completed before 2026-01-01T00:00:00.000Z; the oldest is a (2026-11-24T02:00:00Z)',
    );
    expect(() => selectBackup([], 'newest', at)).toThrow(DrillError);
  });

  it('ages a backup from when it completed', () => {
    expect(backupAgeSeconds(backups[2]!, at)).toBe(36_000);
  });
});

describe('the tables a SQL check reads', () => {
  it('are named after FROM and JOIN, schema-qualified ones kept, string literals ignored', () => {
    expect(
      tablesRead("SELECT count(*) FROM users u JOIN app.orders o ON o.user_id = u.id WHERE note <> 'from x'"),
    ).toEqual(['users', 'app.orders']);
    expect(tablesRead('SELECT 1')).toEqual([]);
  });
});
