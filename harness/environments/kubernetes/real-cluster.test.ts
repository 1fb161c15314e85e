import { describe, expect, test } from 'vitest';
import { errorMessage } from '../../engine/errors.js';
import { silentLogger } from '../../util/logger.js';
import { runCli, tempOutDir } from '../../testing/run-cli.js';
import { connectCluster } from './connect.js';
import { journalOf } from '../../testing/journals.js';

// L4: the same drills on a real cluster, when one answers: DRDRILL_KUBE_CONTEXT, else the kubeconfig's
// current context. Nothing here is simulated; without a cluster this file is one explicit skip.
const probe = await connectCluster({ context: process.env.DRDRILL_KUBE_CONTEXT, logger: silentLogger }).then(
  async (c) => {
    const found = { context: c.context, cluster: c };
    return found;
  },
  (err: unknown) => ({ missing: errorMessage(err) }),
);
if ('missing' in probe)
  process.stdout.write(
    `L4 (real cluster) skipped: no cluster answers GET /version (set DRDRILL_KUBE_CONTEXT, or run "drdrill kind up"): ${probe.missing}\n`,
  );

describe.skipIf('missing' in probe)('drills on a real cluster (L4)', () => {
  const context = 'context' in probe ? probe.context : '';
  const env = { DRDRILL_KUBE_CONTEXT: context };

  test('smoke: passes, and its namespace is gone afterwards', async () => {
    const out = tempOutDir();
    const r = await runCli(['run', 'smoke', '--env', 'kubernetes', '--out', out, '--reporter', 'json'], {
      env,
      timeoutMs: 900_000,
    });
    const journal = journalOf(out, 'smoke');
    expect(r.code, `${journal.verdict}: ${journal.reason}`).toBe(0);
    expect(journal.simulated).toBeUndefined();
    const ns = (journal.kubernetes as { namespace: string }).namespace;
    if ('cluster' in probe)
      expect(
        await probe.cluster
          .get({ apiVersion: 'v1', kind: 'Namespace', name: ns })
          .then((o) => o?.metadata.deletionTimestamp !== undefined || o === undefined),
      ).toBe(true);
  }, 900_000);

  test('accidental-delete: PITR into a new StatefulSet; a verdict, never a skip counted as a pass', async () => {
    const out = tempOutDir();
    const r = await runCli(
      ['run', 'scenarios/accidental-delete.yaml', '--env', 'kubernetes', '--out', out, '--reporter', 'json'],
      {
        env,
        timeoutMs: 900_000,
      },
    );
    const journal = journalOf(out, 'accidental-delete');
    expect(journal.verdict, journal.reason).toBe('passed');
    expect(r.code).toBe(0);
  }, 900_000);

  test('disk-full: runs where volumes are expandable and size-limited, else ends skipped naming why', async () => {
    const out = tempOutDir();
    await runCli(['run', 'scenarios/disk-full.yaml', '--env', 'kubernetes', '--out', out, '--reporter', 'json'], {
      env,
      timeoutMs: 900_000,
    });
    const journal = journalOf(out, 'disk-full');
    if (journal.verdict === 'skipped')
      expect(journal.reason).toMatch(/allowVolumeExpansion|not enforce sizes|size is not enforced/);
    else expect(journal.verdict, journal.reason).toBe('passed');
  }, 900_000);
});
