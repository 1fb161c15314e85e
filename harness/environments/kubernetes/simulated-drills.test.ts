import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { renderDrillReports } from '../../../reports/index.js';
import type { Journal, PhaseName } from '../../engine/journal.js';
import { runDrill } from '../../engine/run-drill.js';
import { Interruption } from '../../engine/task-runner.js';
import { parseScenario } from '../../scenario/load.js';
import { checkSemantics } from '../../scenario/semantic-checks.js';
import { silentLogger } from '../../util/logger.js';
import { packageRoot } from '../../util/paths.js';
import type * as Connect from './connect.js';
import { SimulatedCluster, type SimStorageClass } from './testing/simulated-cluster.js';

// L3: whole drills through the engine on the simulated cluster. Every journal here says simulated: true,
// no RTO objective counts as measured, and the report's headline says so.
const state = vi.hoisted((): { sim?: unknown } => ({}));
vi.mock('./connect.js', async (importOriginal) => ({
  ...(await importOriginal<typeof Connect>()),
  connectCluster: async () => state.sim,
}));

const root = process.getuid?.() === 0;
const journalSchema = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
addFormats.default(journalSchema);
const validateJournal = journalSchema.compile(
  JSON.parse(readFileSync(join(packageRoot(), 'reports', 'schema', 'journal.v1.schema.json'), 'utf8')) as object,
);
let sim: SimulatedCluster | undefined;

const dirs: string[] = [];
afterEach(async () => {
  await sim?.destroy();
  sim = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function drill(
  yaml: string,
  opts: { storageClasses?: SimStorageClass[]; abortAt?: PhaseName } = {},
): Promise<{ journal: Journal; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ks-'));
  chmodSync(dir, 0o755);
  dirs.push(dir);
  sim = await SimulatedCluster.create({
    dir: join(dir, 'c'),
    logger: silentLogger,
    ...(opts.storageClasses ? { storageClasses: opts.storageClasses } : {}),
  });
  state.sim = sim;
  const loaded = parseScenario(yaml, join(dir, 'drill.yaml'));
  checkSemantics(loaded);
  const controller = new AbortController();
  process.env.DRDRILL_WORK_DIR = join(dir, 'w');
  const journal = await runDrill(loaded, {
    outDir: join(dir, 'out'),
    keep: false,
    signal: controller.signal,
    logger: silentLogger,
    onPhase: (_d, phase, s) => {
      if (phase === opts.abortAt && s === 'begin')
        setTimeout(() => controller.abort(new Interruption('interrupted', 'SIGINT received')), 300);
    },
  });
  expect(validateJournal(journal), journalSchema.errorsText(validateJournal.errors)).toBe(true);
  return { journal, out: join(dir, 'out') };
}

const base = (over: { objectives?: string; fault?: string; recovery?: string; env?: string } = {}) => `
apiVersion: drdrill/v1
kind: Drill
metadata: { name: k8s-delete, description: accidental delete on the simulated cluster }
objectives: ${over.objectives ?? '{ rto: "< 120s", rpo.lostBeforeTarget: "= 0 rows" }'}
deadline: 3m
environment:
  kind: kubernetes
  postgres: { settings: { archive_timeout: "10s" } }
${over.env ?? ''}
dataset: { fixture: shop, scale: 200 }
workload: { ledger: { rate: 50 }, before: 2s, after: 1s }
backup: [{ method: basebackup, archiveWal: true }]
fault: ${over.fault ?? '{ type: accidental-delete, sql: "DELETE FROM customers" }'}
recovery: ${over.recovery ?? '{ procedure: pitr, target: { type: before-fault } }'}
verify: [{ rowCounts: baseline }, { fingerprint: [customers, orders] }, { ledger: until-target }]
`;

function deletedNamespace(journal: Journal): string {
  const ns = (journal.kubernetes as { namespace: string }).namespace;
  expect(sim!.calls).toContain(`DELETE Namespace ${ns} propagation=Foreground`);
  expect(sim!.namespaces()).toEqual([]);
  expect(sim!.runningProcesses()).toBe(0);
  return ns;
}

describe.skipIf(!root)('drills on the simulated cluster (L3, simulated)', () => {
  test('accidental-delete with PITR into a new StatefulSet: data back, namespace deleted, report headed "simulated"', async () => {
    const { journal, out } = await drill(base({ objectives: '{ rpo.lostBeforeTarget: "= 0 rows" }' }));
    expect(journal.simulated).toBe(true);
    expect(journal.verdict, journal.reason).toBe('passed');
    expect(journal.checks.length).toBeGreaterThan(3);
    expect(journal.measurements.rpo?.lostBeforeTarget).toBe(0);
    const ns = deletedNamespace(journal);
    const applied = (journal.kubernetes as { applied: { kind: string; name: string }[] }).applied;
    expect(applied.map((a) => `${a.kind}/${a.name}`)).toEqual([
      `Namespace/${ns}`,
      'Secret/drdrill-objectstore',
      'Service/objectstore',
      'Deployment/objectstore',
      'Secret/drdrill-credentials',
      'Service/primary',
      'StatefulSet/primary',
      'Service/restored',
      'StatefulSet/restored',
    ]);
    const [md] = await renderDrillReports(journal, join(out, 'r'), ['md']);
    const text = readFileSync(md!, 'utf8');
    expect(text).toContain('**Simulated cluster: no figure in this report is a measured recovery time.**');
    expect(text).toContain('| RTO (service back) | not measured (simulated) |');
    expect(text).not.toContain('Recovery time by step');
  });

  test('a failing drill deletes its namespace too, and its RTO objective is not measured on a simulated cluster', async () => {
    const { journal } = await drill(
      base({ recovery: '{ procedure: undelete, target: { type: time, value: "2000-01-01T00:00:00Z" } }' }),
    );
    expect(journal.simulated).toBe(true);
    expect(journal.verdict).toBe('failed');
    expect(journal.objectives.find((o) => o.metric === 'rto.serviceSeconds')).toMatchObject({
      status: 'not-measured',
      actual: null,
    });
    deletedNamespace(journal);
  });

  test('SIGINT during the workload: interrupted, namespace deleted, no pod process left', async () => {
    const { journal } = await drill(base(), { abortAt: 'workload' });
    expect(journal.verdict).toBe('interrupted');
    expect(journal.reason).toBe('SIGINT received (during workload)');
    deletedNamespace(journal);
  });

  test('disk-full on a StorageClass without allowVolumeExpansion ends skipped, naming that field', async () => {
    const { journal } = await drill(
      base({ objectives: '{}', fault: '{ type: disk-full, target: data }', recovery: '{ procedure: grow-volume }' }),
    );
    expect(journal.verdict).toBe('skipped');
    expect(journal.reason).toBe(
      'this drill needs a size-limited volume: StorageClass "standard" (rancher.io/local-path) does not set allowVolumeExpansion: true, so a full PVC cannot be expanded; choose an expandable class with environment.kubernetes.storageClass, or "drdrill kind up" creates a kind cluster with csi-driver-host-path, an expandable StorageClass "drdrill-hostpath" and a default VolumeSnapshotClass',
    );
    expect(journal.phases.find((p) => p.name === 'inject')?.status).toBe('skipped');
    deletedNamespace(journal);
    expect(sim!.calls.some((c) => c.includes('StatefulSet'))).toBe(false);
  });
});
