import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadFixture } from '../../reports/fixtures/index.js';
import { journalOf } from '../testing/journals.js';
import { processesMentioning } from '../testing/processes.js';
import { inlineScenarios, tempOutDir, workDir } from '../testing/run-cli.js';
import {
  defineDrill,
  DrillError,
  renderReports,
  runDrill,
  runDrills,
  ScenarioError,
  validateScenario,
  type PhaseName,
  type ScenarioInput,
} from './index.js';

const small = (name: string, overrides: Partial<ScenarioInput> = {}): ScenarioInput => ({
  apiVersion: 'drdrill/v1',
  kind: 'Drill',
  metadata: { name },
  deadline: '2m',
  dataset: { fixture: 'shop', scale: 200 },
  workload: { ledger: { rate: 50 }, before: '2s', after: '0s' },
  verify: [{ rowCounts: 'baseline' }, { ledger: 'complete' }],
  ...overrides,
});

describe('validating scenarios through the API', () => {
  it('a YAML file: every problem as data, with its line, column and path', async () => {
    const dir = inlineScenarios({
      'bad.yaml': 'apiVersion: drdrill/v1\nkind: Drill\nmetadata: { name: bad }\ndataset: { scael: 200 }\n',
    });
    const result = await validateScenario(join(dir, 'bad.yaml'));
    expect(result).toEqual({
      ok: false,
      problems: [
        {
          file: join(dir, 'bad.yaml'),
          line: 4,
          col: 12,
          path: 'dataset.scael',
          message: 'is not a known key; expected one of "fixture", "sql", "dump", "pgbench", "scale", "seed"',
        },
      ],
    });
    expect(await validateScenario(join(dir, 'missing.yaml'))).toMatchObject({
      ok: false,
      problems: [{ line: 1, col: 1, message: 'no such scenario file or shipped scenario (see "drdrill list")' }],
    });
  });

  it('an object: the same messages, positioned at the call in the test file; cross-field rules too', async () => {
    const input = { ...small('typo'), dataset: { scael: 200 } } as unknown as ScenarioInput;
    const result = await validateScenario(input); // the problem points at this line
    const line =
      readFileSync(new URL(import.meta.url), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('this line')) + 1;
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      expect.objectContaining({ file: 'harness/api/api.test.ts', line, path: 'dataset.scael' }),
    ]);
    expect(result.problems[0]!.message).toContain('is not a known key');

    const semantic = await validateScenario(
      small('no-recovery', { fault: { type: 'accidental-delete', sql: 'DELETE FROM customers' } }),
    );
    expect(semantic.ok).toBe(false);
    if (!semantic.ok)
      expect(semantic.problems.map((p) => `${p.path}: ${p.message}`)).toContain(
        'recovery: recovery.procedure "none" cannot recover from fault "accidental-delete"',
      );
  });

  it('defineDrill applies the defaults of a YAML file, and throws the problems on a mistake', () => {
    const drill = defineDrill({ apiVersion: 'drdrill/v1', kind: 'Drill', metadata: { name: 'defaults' } });
    if (drill.scenario.kind !== 'Drill') throw new Error('defineDrill made a Drill');
    // No sql, dump or pgbench: the shop fixture at its default scale.
    expect(drill.scenario.dataset).toEqual({ scale: 1000, seed: 42 });
    expect(drill.scenario.environment.objectStore).toEqual({ kind: 'embedded' });
    expect(drill.source).toContain('name: defaults');
    expect(drill.sha256).toMatch(/^[0-9a-f]{64}$/);
    let thrown: unknown;
    try {
      defineDrill({ ...small('x'), deadline: 'soon' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ScenarioError);
    expect((thrown as ScenarioError).problems[0]).toMatchObject({ file: 'harness/api/api.test.ts', path: 'deadline' });
  });
});

describe('running drills through the API (real PostgreSQL + S3)', () => {
  let work: string;
  const previousWorkDir = process.env.DRDRILL_WORK_DIR;
  beforeEach(() => {
    work = workDir();
    process.env.DRDRILL_WORK_DIR = work;
  });
  afterEach(() => {
    if (previousWorkDir === undefined) delete process.env.DRDRILL_WORK_DIR;
    else process.env.DRDRILL_WORK_DIR = previousWorkDir;
  });

  it('runDrill resolves with the journal, reports every phase and writes the reports', async () => {
    const out = tempOutDir();
    const seen: string[] = [];
    const journal = await runDrill(small('api-run'), {
      out,
      onPhase: (drill, phase, state) => seen.push(`${drill} ${phase} ${state}`),
    });
    expect(journal.verdict).toBe('passed');
    expect(journalOf(out, 'api-run')).toEqual(journal);
    expect(readdirSync(join(out, 'api-run'))).toEqual(expect.arrayContaining(['journal.json', 'report.html']));
    const ran = journal.phases.filter((p) => p.status !== 'skipped').map((p) => p.name);
    expect(seen).toEqual(ran.flatMap((p: PhaseName) => [`api-run ${p} begin`, `api-run ${p} end`]));
    expect(journal.scenario.source).toContain('# written in TypeScript: scenario object "api-run"');
    expect(processesMentioning(work)).toEqual([]);
  });

  it('an AbortSignal tears the drill down; a TimeoutError reason ends it timedout', async () => {
    const out = tempOutDir();
    const controller = new AbortController();
    const journal = await runDrill(small('api-abort', { workload: { before: '60s', after: '0s' } }), {
      out,
      reporters: ['json'],
      signal: controller.signal,
      onPhase: (_drill, phase, state) => {
        if (phase === 'workload' && state === 'begin')
          setTimeout(() => controller.abort(new DOMException('the nightly window closed', 'TimeoutError')), 1000);
      },
    });
    expect(journal.verdict).toBe('timedout');
    expect(journal.reason).toContain('aborted: the nightly window closed');
    expect(journal.phases.find((p) => p.name === 'workload')?.status).toBe('timedout');
    expect(journal.phases.find((p) => p.name === 'teardown')?.status).toBe('passed');
    expect(processesMentioning(work)).toEqual([]);
    expect(readdirSync(work)).toEqual([]);
  });

  it('invalid scenarios reject before anything starts, all problems at once', async () => {
    const out = join(tempOutDir(), 'never');
    const bad = { ...small('bad-a'), deadline: 'soon' };
    const worse = { ...small('bad-b'), workload: { rate: 5 } } as unknown as ScenarioInput;
    const err = await runDrills([bad, worse], { out }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as ScenarioError).problems.map((p) => p.path)).toEqual(['deadline', 'workload.rate']);
    const dup = await runDrills([small('twice'), small('twice')], { out }).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(DrillError);
    expect((dup as DrillError).message).toBe(
      'two scenarios are named "twice"; metadata.name must be unique within a run',
    );
    await expect(runDrill('scenarios/', { out })).rejects.toThrow(/runDrill runs one scenario, this names \d+/);
    await expect(runDrill(small('fmt'), { out, reporters: ['xml'] })).rejects.toThrow(/unknown reporter "xml"/);
    expect(existsSync(out)).toBe(false);
    const aborted = AbortSignal.abort(new Error('the nightly window closed'));
    await expect(runDrill(small('too-late'), { out: tempOutDir(), signal: aborted })).rejects.toThrow(
      'aborted: the nightly window closed: the drill was not started',
    );
    expect(readdirSync(work)).toEqual([]);
  });
});

describe('renderReports', () => {
  it("renders each journal's reports in its own directory and the suite's index", async () => {
    const out = tempOutDir();
    const written = await renderReports([loadFixture('passed'), loadFixture('failed')], {
      formats: ['html', 'junit'],
      out,
    });
    expect(written.map((f) => f.slice(out.length + 1)).sort()).toEqual([
      'accidental-delete/junit.xml',
      'accidental-delete/report.html',
      'index.html',
      'junit.xml',
      'replica-failover/junit.xml',
      'replica-failover/report.html',
    ]);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('every acknowledged ledger write is present');
  });
});
