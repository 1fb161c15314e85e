import { describe, expect, it } from 'vitest';
import { fuzzCase, loadOutcome, shippedCorpus, summarise, summaryLine } from './run-fuzz.js';

describe('the scenario loader under fuzzing (seeded mutations of the shipped scenarios)', () => {
  it('ends every one of 500 cases valid or rejected with file:line:col, never crashing or hanging', () => {
    const corpus = shippedCorpus();
    const outcomes = Array.from({ length: 500 }, (_, i) => loadOutcome(fuzzCase(20261126, i, corpus)));
    const summary = summarise(outcomes);
    process.stdout.write(`fuzz: ${summaryLine(summary)}\n`);
    expect(summary.defects.map((d) => `case ${d.index} (${d.base}): ${d.verdict}: ${d.detail}`)).toEqual([]);
    // Both kinds occur, so the generator exercises the schema as well as the YAML parser.
    expect(summary.valid).toBeGreaterThan(25);
    expect(summary.rejected).toBeGreaterThan(250);
  });

  it('replays any case alone from its seed and index', () => {
    expect(fuzzCase(7, 123).text).toBe(fuzzCase(7, 123).text);
    expect(fuzzCase(7, 123).text).not.toBe(fuzzCase(7, 124).text);
  });
});
