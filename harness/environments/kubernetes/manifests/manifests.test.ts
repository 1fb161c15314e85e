import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { packageRoot } from '../../../util/paths.js';
import type { KubeObject } from '../cluster.js';
import { isDnsLabel, isLabelValue, namespaceFor, runLabels, statefulSetName } from '../names.js';
import { podPaths } from '../pod-scripts.js';
import {
  instanceServiceManifest,
  instanceStatefulSetManifest,
  namespaceManifest,
  objectStoreManifests,
  secretManifest,
  volumeSnapshotManifest,
} from './drill.js';
import {
  backupCronJob,
  backupVerificationCronJob,
  drillCronJob,
  rbacManifests,
  scenariosConfigMap,
  suiteJob,
} from './in-cluster.js';

// L1: every manifest drdrill renders, validated against the official OpenAPI schemas (kubernetes-models) and,
// for VolumeSnapshot, the external-snapshotter CRD schema kept in fixtures/kubernetes/crds.
// kubernetes-models validates whatever it is given; its constructors' types only describe valid input.
type Model = new (data: object) => { validate(): void };
const MODELS: Record<string, Model> = {
  Namespace,
  Secret,
  Service,
  ServiceAccount,
  ConfigMap,
  StatefulSet,
  Deployment,
  CronJob,
  Job,
  Role,
  // Their constructors' types require roleRef; the validator is what checks it.
  RoleBinding: RoleBinding as unknown as Model,
  ClusterRole,
  ClusterRoleBinding: ClusterRoleBinding as unknown as Model,
};

const crd = parse(
  readFileSync(join(packageRoot(), 'fixtures/kubernetes/crds/volumesnapshots.snapshot.storage.k8s.io.yaml'), 'utf8'),
) as { spec: { versions: { name: string; schema: { openAPIV3Schema: object } }[] } };
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);
const validateSnapshot = ajv.compile(crd.spec.versions.find((v) => v.name === 'v1')!.schema.openAPIV3Schema);

function validate(obj: { kind: string; metadata: { name: string }; spec?: unknown }): void {
  if (obj.kind === 'VolumeSnapshot') {
    const name = obj.metadata.name;
    if (!validateSnapshot(obj)) throw new Error(`VolumeSnapshot ${name}: ${ajv.errorsText(validateSnapshot.errors)}`);
    return;
  }
  const Model = MODELS[obj.kind];
  if (!Model) throw new Error(`no schema for ${obj.kind}`);
  new Model(obj).validate();
}

const SECRET_VALUES = ['s3cr3t-minio-password-1234', 'pg-password-abcdef', 'aws-secret-key-xyz'];
const stamp = {
  namespace: namespaceFor('drdrill', 'accidental-delete-mwx1c2d3-a1b2c3'),
  labels: runLabels('accidental-delete-mwx1c2d3-a1b2c3', 'accidental-delete'),
};
const paths = podPaths('');
const instance = (over: Partial<Parameters<typeof instanceStatefulSetManifest>[0]> = {}) => ({
  stamp,
  instance: 'primary',
  statefulSet: statefulSetName('primary'),
  image: 'drdrill/drdrill:0.1.0',
  paths,
  dataSizeMB: 1024,
  ...over,
});
const inCluster = {
  namespace: 'drills',
  image: 'drdrill/drdrill:0.1.0',
  results: 's3://drills/nightly',
  s3Endpoint: 'http://minio.storage:9000',
};
const db = { host: 'postgres-service', database: 'shop', user: 'postgres', passwordSecret: 'postgres-credentials' };

/** Everything drdrill applies in a drill and everything `drdrill manifests` prints. */
const rendered: [string, KubeObject][] = [
  ['namespace', namespaceManifest(stamp.namespace, stamp.labels, { 'org.drdrill.owner': 'host:1' })],
  ['instance service', instanceServiceManifest(instance())],
  ['instance statefulset', instanceStatefulSetManifest(instance())],
  [
    'statefulset with pg_wal on its own PVC',
    instanceStatefulSetManifest(instance({ dataSizeMB: 96, walSizeMB: 48, storageClass: 'drdrill-hostpath' })),
  ],
  [
    'statefulset restored from a snapshot',
    instanceStatefulSetManifest(
      instance({ instance: 'restored', statefulSet: 'restored', fromSnapshot: 'primary-snap-1' }),
    ),
  ],
  ...objectStoreManifests(stamp, 'minio/minio:RELEASE.2025-04-22T22-12-26Z').map((m): [string, KubeObject] => [
    `object store ${m.kind}`,
    m,
  ]),
  ['volume snapshot', volumeSnapshotManifest(stamp, 'primary-snap-1', 'data-primary-0', 'csi-hostpath-snapclass')],
  ['volume snapshot, default class', volumeSnapshotManifest(stamp, 'primary-snap-2', 'data-primary-0')],
  ...rbacManifests('drills').map((m): [string, KubeObject] => [`rbac ${m.kind}`, m]),
  ['scenarios', scenariosConfigMap('drills', { 'accidental-delete.yaml': 'apiVersion: drdrill/v1\n' })],
  ['nightly cronjob', drillCronJob({ ...inCluster, schedule: '0 3 * * *' })],
  [
    'suite job',
    suiteJob({
      ...inCluster,
      suite: 'drdrill-suite-20261126t0300z',
      scenarios: ['b.yaml', 'a.yaml', 'c.yaml'],
      parallelism: 2,
    }),
  ],
  ['seed backup cronjob', backupCronJob({ ...inCluster, db })],
  ['seed backup-verification cronjob', backupVerificationCronJob({ ...inCluster, db })],
];
const secrets: KubeObject[] = [
  secretManifest(stamp, 'drdrill-objectstore', { user: 'drdrill1', password: SECRET_VALUES[0]! }),
  secretManifest(stamp, 'drdrill-credentials', { pgpass: `*:*:*:postgres:${SECRET_VALUES[1]}\n` }),
];

describe('rendered manifests (L1)', () => {
  test.each([...rendered, ...secrets.map((s): [string, KubeObject] => [`secret ${s.metadata.name}`, s])])(
    '%s validates against its schema',
    (_name, obj) => {
      expect(() => validate(obj)).not.toThrow();
    },
  );

  test('the validators are not vacuous: a broken StatefulSet and a Service without ports are rejected', () => {
    const sts = instanceStatefulSetManifest(instance());
    expect(() => validate({ ...sts, spec: { ...sts.spec, replicas: '1' } })).toThrow(/replicas must be integer/);
    const svc = instanceServiceManifest(instance());
    expect(() => validate({ ...svc, spec: { ...svc.spec, ports: [{ port: 'x' }] } })).toThrow(/port must be integer/);
  });

  test.each(rendered)('%s: names are DNS labels, labels are valid label values', (_name, obj) => {
    expect(isDnsLabel(obj.metadata.name), obj.metadata.name).toBe(true);
    if (obj.metadata.namespace) expect(isDnsLabel(obj.metadata.namespace)).toBe(true);
    for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) expect(isLabelValue(v), `${k}=${v}`).toBe(true);
  });

  test('the StatefulSet pod name and its revision-hash label fit 63 characters even for long instance names', () => {
    const name = statefulSetName('restored-from-the-newest-base-backup-after-the-corruption-was-found');
    expect(name.length).toBeLessThanOrEqual(52);
    expect(isDnsLabel(`${name}-0`)).toBe(true);
    expect(isLabelValue(`${name}-7b9f8c6d5f`)).toBe(true);
  });

  test('a long drill name still gives a valid, unique namespace and run label', () => {
    const long = 'a-very-long-drill-name-that-goes-on-and-on-to-the-limit-of-63-c';
    const a = namespaceFor('drdrill', `${long}-mwx1c2d3-a1b2c3`);
    const b = namespaceFor('drdrill', `${long}-mwx1c2d3-ffffff`);
    expect(isDnsLabel(a) && isDnsLabel(b)).toBe(true);
    expect(a).not.toBe(b);
    expect(Object.values(runLabels(`${long}-mwx1c2d3-a1b2c3`, long)).every(isLabelValue)).toBe(true);
  });

  test('no manifest carries a secret value: pods read Secrets by reference, never as env literals', () => {
    const text = JSON.stringify(rendered.map(([, m]) => m));
    for (const v of SECRET_VALUES) expect(text).not.toContain(v);
    const envs = rendered.flatMap(([, m]) => containersOf(m)).flatMap((c) => c.env ?? []);
    const secretish = envs.filter((e) => /PASSWORD|SECRET|TOKEN|ACCESS_KEY/.test(e.name));
    expect(secretish.length).toBeGreaterThan(0);
    for (const e of secretish) {
      expect(e.value, e.name).toBeUndefined();
      expect(e.valueFrom?.secretKeyRef, e.name).toBeDefined();
    }
  });

  test('every pod runs as non-root with the restricted security settings', () => {
    for (const [name, m] of rendered) {
      const pod = podSpecOf(m);
      if (!pod) continue;
      expect(pod.securityContext?.runAsNonRoot, name).toBe(true);
      expect(pod.securityContext?.seccompProfile?.type, name).toBe('RuntimeDefault');
      for (const c of pod.containers)
        expect(c.securityContext, `${name} ${c.name}`).toEqual({
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
    }
  });

  test('the VolumeSnapshot schema rejects a snapshot without a source, or with two', () => {
    const snap = volumeSnapshotManifest(stamp, 's', 'data-primary-0');
    expect(validateSnapshot({ ...snap, spec: {} })).toBe(false);
    expect(
      validateSnapshot({
        ...snap,
        spec: { source: { persistentVolumeClaimName: 'a', volumeSnapshotContentName: 'b' } },
      }),
    ).toBe(false);
    expect(validateSnapshot(snap)).toBe(true);
  });

  test('the suite Job runs one drill per index, in file-name order', () => {
    const job = suiteJob({ ...inCluster, suite: 'drdrill-suite-x', scenarios: ['b.yaml', 'a.yaml'], parallelism: 8 });
    expect(job.spec?.completions).toBe(2);
    expect(job.spec?.parallelism).toBe(2);
    expect(job.spec?.completionMode).toBe('Indexed');
    expect(job.spec?.template.spec?.containers[0]?.command?.[2]).toContain(
      'set -- /scenarios/a.yaml /scenarios/b.yaml',
    );
  });
});

type Container = {
  name: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: object } }[];
  securityContext?: object;
};
type PodSpec = {
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type?: string } };
  containers: Container[];
};

function podSpecOf(m: KubeObject): PodSpec | undefined {
  const spec = m.spec as
    { template?: { spec?: PodSpec }; jobTemplate?: { spec?: { template?: { spec?: PodSpec } } } } | undefined;
  return spec?.template?.spec ?? spec?.jobTemplate?.spec?.template?.spec;
}

function containersOf(m: KubeObject): Container[] {
  return podSpecOf(m)?.containers ?? [];
}
