import { expect, test } from 'vitest';
import { formatBytes, formatSeconds } from './format.js';

test('durations read the way people say them', () => {
  expect([0.4921, 4.382, 41.217, 120, 300, 900, 2400, 2725, 3600, 5000].map(formatSeconds)).toEqual([
    '0.49 s',
    '4.38 s',
    '41.2 s',
    '120 s',
    '300 s',
    '15 min',
    '40 min',
    '45 min 25 s',
    '1 h',
    '1 h 23 min',
  ]);
  expect(formatSeconds(null)).toBe('—');
});

test('sizes in binary units with the exact byte count kept elsewhere', () => {
  expect([512, 58_392_576, 1_204_733].map(formatBytes)).toEqual(['512 B', '55.7 MiB', '1.1 MiB']);
});
