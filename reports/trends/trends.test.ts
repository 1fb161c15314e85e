import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, test } from 'vitest';
import type { Journal } from '../../harness/engine/journal.js';
import { loadFixture } from '../fixtures/index.js';
import { analyseTrends, quarterOf } from './analyse.js';
import { loadHistory } from './history.js';
import { renderTrendsHtml, renderTrendsMarkdown } from './render.js';

const root = mkdtempSync(join(tmpdir(), 'drdrill-trends-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A passed cluster-loss drill on a date with a given RTO and loss. */
function clusterLoss(startedAt: string, rto: number, lost = 0): Journal {
  const j = loadFixture('passed');
  j.drill = 'cluster-loss';
  j.startedAt = startedAt;
  j.measurements.rto = { serviceSeconds: rto, verifiedSeconds: rto + 3 };
  j.measurements.rpo = { lostAckedWrites: lost, lostSeconds: 0 };
  return j;
}

describe('trends', () => {
  test('quarters', () => {
    expect(['2025-01-05', '2025-03-31', '2025-04-01', '2025-12-31'].map((d) => quarterOf(d + 'T00:00:00Z'))).toEqual([
      '2025-Q1',
      '2025-Q1',
      '2025-Q2',
      '2025-Q4',
    ]);
  });

  test('a history directory gives RTO per scenario and flags the regression since last quarter', async () => {
    const history = join(root, 'history');
    const journals = [
      clusterLoss('2025-04-10T09:00:00.000Z', 50),
      clusterLoss('2025-07-09T09:00:00.000Z', 70),
      loadFixture('passed'),
    ];
    journals.forEach((j, i) => {
      mkdirSync(join(history, `run-${i}`, j.drill), { recursive: true });
      writeFileSync(join(history, `run-${i}`, j.drill, 'journal.json'), JSON.stringify(j));
    });
    const trends = analyseTrends(await loadHistory(history));
    expect(trends.map((t) => [t.drill, t.points.map((p) => p.rtoSeconds)])).toEqual([
      ['accidental-delete', [41.217]],
      ['cluster-loss', [50, 70]],
    ]);
    expect(trends.flatMap((t) => t.regressions.map((r) => r.message))).toEqual([
      'RTO of cluster-loss grew 40 % since last quarter (2025-Q2: 50 s → 2025-Q3: 70 s)',
    ]);

    const html = renderTrendsHtml(trends);
    expect(html).toContain('RTO of cluster-loss grew 40 % since last quarter');
    expect(html.match(/<circle class="point"/g)).toHaveLength(3 + 3);
    expect(renderTrendsMarkdown(trends)).toContain('| 2025-07-09 | 2025-Q3 | ✔ passed | 70 s | 0 |');
  });

  test('small changes are not regressions; new data loss is, whatever the percentage', () => {
    expect(
      analyseTrends([clusterLoss('2025-04-10T09:00:00Z', 50), clusterLoss('2025-07-09T09:00:00Z', 55)])[0]!.regressions,
    ).toEqual([]);
    const lossy = analyseTrends([
      clusterLoss('2025-07-01T09:00:00Z', 50),
      clusterLoss('2025-07-20T09:00:00Z', 50, 12),
    ])[0]!;
    expect(lossy.regressions.map((r) => r.message)).toEqual([
      'RPO of cluster-loss grew from 0 to 12 lost writes since the previous drill',
    ]);
  });

  test('unmeasured drills (errors) are shown but never compared', () => {
    const error = loadFixture('error');
    error.drill = 'cluster-loss';
    error.startedAt = '2025-10-02T09:00:00Z';
    const [t] = analyseTrends([
      clusterLoss('2025-04-10T09:00:00Z', 50),
      clusterLoss('2025-07-09T09:00:00Z', 51),
      error,
    ]);
    expect(t!.points.map((p) => p.verdict)).toEqual(['passed', 'passed', 'error']);
    expect(t!.regressions).toEqual([]);
  });

  test('an S3 prefix is read through ListObjectsV2 and GetObject', async () => {
    const objects: Record<string, string> = {
      'drills/2025-q2/cluster-loss/journal.json': JSON.stringify(clusterLoss('2025-05-01T00:00:00Z', 40)),
      'drills/2025-q3/cluster-loss/journal.json': JSON.stringify(clusterLoss('2025-08-01T00:00:00Z', 60)),
      'drills/2025-q3/cluster-loss/report.html': '<html></html>',
    };
    const calls: string[] = [];
    const s3 = {
      send: async (cmd: {
        constructor: { name: string };
        input: { Bucket: string; Prefix?: string; Key?: string };
      }) => {
        calls.push(`${cmd.constructor.name} ${cmd.input.Bucket} ${cmd.input.Prefix ?? cmd.input.Key}`);
        if (cmd.constructor.name === 'ListObjectsV2Command')
          return {
            Contents: Object.keys(objects)
              .filter((k) => k.startsWith(cmd.input.Prefix!))
              .map((Key) => ({ Key })),
          };
        return { Body: { transformToString: async () => objects[cmd.input.Key!]! } };
      },
    } as unknown as S3Client;
    const journals = await loadHistory('s3://dr-history/drills/', s3);
    expect(journals.map((j) => j.startedAt)).toEqual(['2025-05-01T00:00:00Z', '2025-08-01T00:00:00Z']);
    expect(calls[0]).toBe('ListObjectsV2Command dr-history drills/');
    expect(analyseTrends(journals)[0]!.regressions[0]!.message).toContain(
      'RTO of cluster-loss grew 50 % since last quarter',
    );
  });

  test('a file that is not a journal is named', async () => {
    const dir = join(root, 'bad');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'journal.json'), '{"drill":"x"}');
    await expect(loadHistory(dir)).rejects.toThrow(
      `${join(dir, 'journal.json')}: not a drdrill journal (no "schemaVersion")`,
    );
  });
});
