import { describe, expect, it } from 'vitest';
import { compare, parseObjective } from './objectives.js';

describe('objective expressions', () => {
  it.each([
    ['rto', '< 120s', 'rto.serviceSeconds', '<', 120],
    ['rto', '<= 2m', 'rto.serviceSeconds', '<=', 120],
    ['rto.verifiedSeconds', '< 500ms', 'rto.verifiedSeconds', '<', 0.5],
    ['rpo', '= 0 rows', 'rpo.lostAckedWrites', '=', 0],
    ['rpo', '== 0', 'rpo.lostAckedWrites', '=', 0],
    ['rpo.lostSeconds', '< 15s', 'rpo.lostSeconds', '<', 15],
  ])('%s: "%s" → %s %s %s', (key, text, metric, comparator, value) => {
    const r = parseObjective(text, key);
    expect(r).toEqual({
      ok: true,
      value: { source: text, metric, comparator, value, unit: expect.any(String) as unknown },
    });
  });

  it.each([
    ['rto', 'fast', /is not a threshold/],
    ['rto', '< 3 rows', /gives a count but rto.serviceSeconds is a time/],
    ['rpo', '< 3 parsecs', /unknown unit "parsecs"/],
    ['mttr', '< 3s', /unknown measurement "mttr"/],
  ])('%s: rejects "%s"', (key, text, message) => {
    const r = parseObjective(text, key);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(message);
  });

  it('compares with each operator', () => {
    expect([
      compare(1, '<', 2),
      compare(2, '<', 2),
      compare(2, '<=', 2),
      compare(0, '=', 0),
      compare(3, '>', 2),
      compare(2, '>=', 3),
      compare(1, '!=', 1),
    ]).toEqual([true, false, true, true, true, false, false]);
  });
});
