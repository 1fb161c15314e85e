import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { Journal } from '../../harness/engine/journal.js';
import { startEmbeddedS3 } from '../../harness/environments/native/embedded-s3.js';
import { ObjectStore } from '../../harness/objectstore/client.js';
import { runCli } from '../../harness/testing/run-cli.js';
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

  test('an S3 prefix is written and read through the real embedded S3', async () => {
    const dir = join(root, 's3');
    const s3 = await startEmbeddedS3({ dir: join(dir, 'data'), logFile: join(dir, 's3.log') });
    const store = new ObjectStore({
      kind: 's3',
      endpoint: s3.endpoint,
      endpointForInstances: s3.endpoint,
      bucket: 'dr-history',
      prefix: '',
      region: 'us-east-1',
      forcePathStyle: true,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'any',
    });
    try {
      await store.ensureBucket();
      const env = {
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'any',
        AWS_REGION: 'us-east-1',
      };
      const q2 = join(dir, 'q2.journal.json');
      writeFileSync(q2, JSON.stringify(clusterLoss('2025-05-01T00:00:00.000Z', 40)));
      const q3 = join(dir, 'q3.journal.json');
      writeFileSync(q3, JSON.stringify(clusterLoss('2025-08-01T00:00:00.000Z', 60)));

      // Written: drdrill report --record-trends stores each journal under <prefix>/<drill>/<start>/journal.json.
      const put = await runCli(
        ['report', q2, q3, '--trends', 's3://dr-history/drills/', '--record-trends', '--out', join(dir, 'out1')],
        { env },
      );
      expect(put.code, put.stderr).toBe(0);
      expect(put.stdout).toContain('trends: s3://dr-history/drills/cluster-loss/20250501T000000000Z/journal.json');
      const keys = (await store.list('drills/')).map((o) => o.key).sort();
      expect(keys).toEqual([
        'drills/cluster-loss/20250501T000000000Z/journal.json',
        'drills/cluster-loss/20250801T000000000Z/journal.json',
      ]);
      const stored = JSON.parse((await store.getBuffer(keys[1]!)).toString('utf8')) as Journal;
      expect(stored.measurements.rto!.serviceSeconds).toBe(60);

      // Read: a later report finds them by the prefix alone.
      const read = await runCli(
        ['report', '--trends', 's3://dr-history/drills/', '--out', join(dir, 'out2'), '--reporter', 'md'],
        {
          env,
        },
      );
      expect(read.code, read.stderr).toBe(0);
      expect(readFileSync(join(dir, 'out2', 'trends.md'), 'utf8')).toContain(
        'RTO of cluster-loss grew 50 % since last quarter (2025-Q2: 40 s → 2025-Q3: 60 s)',
      );
      // A missing bucket is one line that names the URL.
      const missing = await runCli(['report', '--trends', 's3://no-such-bucket/x/', '--out', join(dir, 'out3')], {
        env,
      });
      expect(missing.code).toBe(4);
      expect(missing.stderr).toMatch(/^drdrill: --trends s3:\/\/no-such-bucket\/x\/: /);
    } finally {
      store.destroy();
      await s3.stop();
    }
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
