import { describe, expect, it } from 'vitest';
import { DEFAULT_BUDGETS, parseBudgets } from './budgets.js';

describe('time budgets', () => {
  it('override only what DRDRILL_TIMEOUTS names', () => {
    expect(parseBudgets('{"replay": 1800, "startup": 5}')).toEqual({ ...DEFAULT_BUDGETS, replay: 1800, startup: 5 });
    expect(parseBudgets(undefined)).toEqual(DEFAULT_BUDGETS);
  });

  it.each([
    ['not json', 'DRDRILL_TIMEOUTS is not JSON: not json'],
    ['[1]', 'DRDRILL_TIMEOUTS must be a JSON object'],
    ['{"replayy": 5}', 'DRDRILL_TIMEOUTS.replayy is not a known budget; expected one of startup, '],
    ['{"replay": 0}', 'DRDRILL_TIMEOUTS.replay must be a positive number of seconds'],
    ['{"replay": "600"}', 'DRDRILL_TIMEOUTS.replay must be a positive number of seconds'],
  ])('reject %s, naming the key', (raw, message) => {
    expect(() => parseBudgets(raw)).toThrow(message);
  });
});
