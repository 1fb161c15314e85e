import type {
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1ConfigMap,
  V1CronJob,
  V1Container,
  V1EnvVar,
  V1Job,
  V1PodSpec,
  V1Role,
  V1RoleBinding,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import { MANAGED_BY } from '../names.js';
import { RESTRICTED_CONTAINER, restrictedPod, POSTGRES_UID } from './drill.js';
import type { Manifest } from './types.js';

/** The ServiceAccount of drdrill pods; a Role limits it to its namespace. */
export const SERVICE_ACCOUNT = 'drdrill';
export const SCENARIOS_CONFIGMAP = 'drdrill-scenarios';
/** A Secret the user creates (kubectl create secret generic drdrill-results --from-literal=...): S3 credentials. */
export const RESULTS_SECRET = 'drdrill-results';

export interface InClusterOptions {
  namespace: string;
  image: string;
  /** s3://bucket/prefix where journals and reports go. */
  results: string;
  /** S3 endpoint for non-AWS stores (MinIO); credentials always come from the RESULTS_SECRET Secret. */
  s3Endpoint?: string;
}

const labels = (component: string) => ({
  ...MANAGED_BY,
  'app.kubernetes.io/name': 'drdrill',
  'app.kubernetes.io/component': component,
});

/**
 * What drdrill may do, limited to its namespace: drills then run in that namespace
 * (DRDRILL_KUBE_NAMESPACE), each labelled with its run. Cluster-wide it only reads StorageClasses and
 * VolumeSnapshotClasses, to check capabilities before any work.
 */
export function rbacManifests(
  namespace: string,
): [
  Manifest<V1ServiceAccount>,
  Manifest<V1Role>,
  Manifest<V1RoleBinding>,
  Manifest<V1ClusterRole>,
  Manifest<V1ClusterRoleBinding>,
] {
  const meta = (name: string, ns?: string) => ({ name, ...(ns ? { namespace: ns } : {}), labels: labels('rbac') });
  const readStorage = `drdrill-read-storage-${namespace}`;
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(SERVICE_ACCOUNT, namespace) },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(SERVICE_ACCOUNT, namespace),
      rules: [
        {
          apiGroups: [''],
          resources: ['pods', 'services', 'secrets', 'persistentvolumeclaims', 'configmaps'],
          verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
        },
        { apiGroups: [''], resources: ['pods/exec', 'pods/portforward'], verbs: ['create', 'get'] },
        { apiGroups: [''], resources: ['pods/log', 'events'], verbs: ['get', 'list'] },
        { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
        {
          apiGroups: ['apps'],
          resources: ['statefulsets', 'deployments'],
          verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
        },
        { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
        {
          apiGroups: ['snapshot.storage.k8s.io'],
          resources: ['volumesnapshots'],
          verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(SERVICE_ACCOUNT, namespace),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: SERVICE_ACCOUNT },
      subjects: [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(readStorage),
      rules: [
        { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list'] },
        { apiGroups: ['snapshot.storage.k8s.io'], resources: ['volumesnapshotclasses'], verbs: ['get', 'list'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(readStorage),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: readStorage },
      subjects: [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace }],
    },
  ];
}

/** The scenarios, as files of a ConfigMap mounted at /scenarios. */
export function scenariosConfigMap(
  namespace: string,
  files: Record<string, string>,
  name = SCENARIOS_CONFIGMAP,
): Manifest<V1ConfigMap> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, labels: labels('scenarios') },
    data: files,
  };
}

/** S3 credentials by reference only: the Secret's keys become the AWS variables the CLI and the SDK read. */
function resultsEnv(o: InClusterOptions): V1EnvVar[] {
  const fromSecret = (name: string, key: string): V1EnvVar => ({
    name,
    valueFrom: { secretKeyRef: { name: RESULTS_SECRET, key } },
  });
  return [
    { name: 'DRDRILL_RESULTS', value: o.results },
    fromSecret('AWS_ACCESS_KEY_ID', 'AWS_ACCESS_KEY_ID'),
    fromSecret('AWS_SECRET_ACCESS_KEY', 'AWS_SECRET_ACCESS_KEY'),
    { name: 'AWS_REGION', value: 'us-east-1' },
    ...(o.s3Endpoint ? [{ name: 'AWS_ENDPOINT_URL', value: o.s3Endpoint }] : []),
    { name: 'DRDRILL_KUBE_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'DRDRILL_WORK_DIR', value: '/work' },
    { name: 'HOME', value: '/work' },
    { name: 'CI', value: 'true' },
  ];
}

/** Uploads a results directory: aws-cli, with --endpoint-url only for a non-AWS store. */
const UPLOAD = 'aws s3 cp --recursive --only-show-errors ${AWS_ENDPOINT_URL:+--endpoint-url "$AWS_ENDPOINT_URL"}';

function drillPod(o: InClusterOptions, container: V1Container, configMap: string): V1PodSpec {
  return {
    serviceAccountName: SERVICE_ACCOUNT,
    restartPolicy: 'Never',
    securityContext: restrictedPod(POSTGRES_UID),
    containers: [
      {
        ...container,
        image: o.image,
        imagePullPolicy: 'IfNotPresent',
        securityContext: RESTRICTED_CONTAINER,
        resources: { requests: { cpu: '250m', memory: '512Mi' } },
        volumeMounts: [
          { name: 'scenarios', mountPath: '/scenarios', readOnly: true },
          { name: 'work', mountPath: '/work' },
        ],
      },
    ],
    volumes: [
      { name: 'scenarios', configMap: { name: configMap } },
      { name: 'work', emptyDir: {} },
    ],
  };
}

/**
 * A CronJob that runs the scenarios nightly with --env kubernetes, in its own namespace, and copies the
 * results (journals, HTML/Markdown/JUnit reports) to <results>/<UTC time>/. Its exit code is drdrill's.
 */
export function drillCronJob(o: InClusterOptions & { schedule: string; name?: string }): Manifest<V1CronJob> {
  const script = [
    'set -u',
    'run="$(date -u +%Y%m%dT%H%M%SZ)"',
    'status=0',
    'drdrill run /scenarios --env kubernetes --out "/work/results/$run" --reporter html,json,md,junit || status=$?',
    `${UPLOAD} "/work/results/$run" "$DRDRILL_RESULTS/$run/"`,
    'exit "$status"',
  ].join('\n');
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: o.name ?? 'drdrill-nightly', namespace: o.namespace, labels: labels('nightly') },
    spec: {
      schedule: o.schedule,
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 5,
      jobTemplate: {
        spec: {
          backoffLimit: 0,
          activeDeadlineSeconds: 4 * 3600,
          template: {
            metadata: { labels: labels('nightly') },
            spec: drillPod(
              o,
              { name: 'drdrill', command: ['/bin/sh', '-c', script], env: resultsEnv(o) },
              SCENARIOS_CONFIGMAP,
            ),
          },
        },
      },
    },
  };
}

/**
 * One Indexed Job for a suite: pod i runs the i-th scenario (sorted by file name) and writes its results
 * under <results>/<suite>/<drill>/, so `drdrill report s3://...` gathers them into one suite report.
 */
export function suiteJob(
  o: InClusterOptions & { suite: string; scenarios: string[]; parallelism: number },
): Manifest<V1Job> {
  const files = [...o.scenarios].sort();
  const script = [
    'set -u',
    `set -- ${files.map((f) => `/scenarios/${f}`).join(' ')}`,
    'shift "$JOB_COMPLETION_INDEX"',
    'file="$1"',
    'status=0',
    'drdrill run "$file" --env kubernetes --out /work/results --reporter html,json,md,junit || status=$?',
    `${UPLOAD} /work/results "$DRDRILL_RESULTS/${o.suite}/"`,
    'exit "$status"',
  ].join('\n');
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: o.suite, namespace: o.namespace, labels: labels('suite') },
    spec: {
      completionMode: 'Indexed',
      completions: files.length,
      parallelism: Math.max(1, Math.min(o.parallelism, files.length)),
      // One failing drill must not retry or stop the others; its journal says why.
      backoffLimitPerIndex: 0,
      maxFailedIndexes: files.length,
      activeDeadlineSeconds: 6 * 3600,
      ttlSecondsAfterFinished: 7 * 24 * 3600,
      template: {
        metadata: { labels: labels('suite') },
        spec: drillPod(
          o,
          { name: 'drdrill', command: ['/bin/sh', '-c', script], env: resultsEnv(o) },
          `${o.suite}-scenarios`,
        ),
      },
    },
  };
}

export interface DatabaseRef {
  /** Service (or host) of the database the seed's CronJobs back up. */
  host: string;
  database: string;
  user: string;
  /** Secret holding the database password under the key "password" (the seed's postgres-credentials). */
  passwordSecret: string;
}

function databaseEnv(db: DatabaseRef): V1EnvVar[] {
  return [
    { name: 'PGHOST', value: db.host },
    { name: 'PGUSER', value: db.user },
    { name: 'PGDATABASE', value: db.database },
    { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: db.passwordSecret, key: 'password' } } },
  ];
}

function seedCronJob(
  o: InClusterOptions,
  name: string,
  schedule: string,
  env: V1EnvVar[],
  script: string,
): Manifest<V1CronJob> {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: o.namespace, labels: labels(name) },
    spec: {
      schedule,
      concurrencyPolicy: 'Forbid',
      jobTemplate: {
        spec: {
          backoffLimit: 1,
          template: {
            metadata: { labels: labels(name) },
            spec: {
              restartPolicy: 'OnFailure',
              securityContext: restrictedPod(POSTGRES_UID),
              automountServiceAccountToken: false,
              containers: [
                {
                  name,
                  image: o.image,
                  imagePullPolicy: 'IfNotPresent',
                  command: ['/bin/bash', '-c', script],
                  env,
                  securityContext: RESTRICTED_CONTAINER,
                  volumeMounts: [{ name: 'work', mountPath: '/work' }],
                },
              ],
              volumes: [{ name: 'work', emptyDir: {} }],
            },
          },
        },
      },
    },
  };
}

/**
 * The seed's backup CronJob, made to work: pg_dump (custom format, not the seed's nonexistent "--all") of
 * one database, streamed to <results>/dumps/ with its sha256 next to it.
 */
export function backupCronJob(o: InClusterOptions & { db: DatabaseRef; schedule?: string }): Manifest<V1CronJob> {
  const script = [
    'set -euo pipefail',
    'file="postgres-$PGDATABASE-$(date -u +%Y%m%dT%H%M%SZ).dump"',
    'pg_dump -Fc --no-password -f "/work/$file"',
    'sha256sum "/work/$file" | cut -d" " -f1 > "/work/$file.sha256"',
    `${UPLOAD.replace(' --recursive', '')} "/work/$file" "$DRDRILL_RESULTS/dumps/$file"`,
    `${UPLOAD.replace(' --recursive', '')} "/work/$file.sha256" "$DRDRILL_RESULTS/dumps/$file.sha256"`,
    'echo "backup completed: $DRDRILL_RESULTS/dumps/$file"',
  ].join('\n');
  return seedCronJob(o, 'postgres-backup', o.schedule ?? '0 2 * * *', [...databaseEnv(o.db), ...resultsEnv(o)], script);
}

/**
 * The seed's backup-verification CronJob, made to check what matters: the newest dump's sha256, `pg_restore
 * -l` and a full restore into a scratch database (dropped afterwards), with exact row counts printed next to
 * the live database's. Any failed step fails the Job.
 */
export function backupVerificationCronJob(
  o: InClusterOptions & { db: DatabaseRef; schedule?: string },
): Manifest<V1CronJob> {
  const s3 = UPLOAD.replace(' cp --recursive', '');
  const script = [
    'set -euo pipefail',
    `latest="$(aws s3 ls ${'${AWS_ENDPOINT_URL:+--endpoint-url "$AWS_ENDPOINT_URL"}'} "$DRDRILL_RESULTS/dumps/" | awk '{print $4}' | grep '\\.dump$' | sort | tail -n 1)"`,
    '[ -n "$latest" ] || { echo "no dump under $DRDRILL_RESULTS/dumps/"; exit 1; }',
    `${s3} cp "$DRDRILL_RESULTS/dumps/$latest" /work/latest.dump`,
    `${s3} cp "$DRDRILL_RESULTS/dumps/$latest.sha256" /work/latest.dump.sha256`,
    '[ "$(sha256sum /work/latest.dump | cut -d" " -f1)" = "$(cat /work/latest.dump.sha256)" ] || { echo "sha256 mismatch: $latest"; exit 1; }',
    'pg_restore -l /work/latest.dump > /dev/null',
    'scratch="drdrill_verify_$(date +%s)"',
    'trap \'psql -d postgres -c "DROP DATABASE IF EXISTS $scratch" >/dev/null\' EXIT',
    'psql -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $scratch"',
    'pg_restore --no-owner --exit-on-error -d "$scratch" /work/latest.dump',
    // Exact counts of the restored copy, next to the live database's (which has moved on since the dump).
    "counts='SELECT format($$SELECT %L, count(*) FROM %I.%I;$$, schemaname || $$.$$ || relname, schemaname, relname) FROM pg_stat_user_tables ORDER BY 1'",
    'for db in "$scratch" "$PGDATABASE"; do echo "rows in $db:"; psql -d "$db" -AtF " " -c "$counts" | psql -d "$db" -AtF " " -v ON_ERROR_STOP=1; done',
    'echo "restore of $latest verified: sha256, pg_restore -l and a full restore into $scratch"',
  ].join('\n');
  return seedCronJob(
    o,
    'backup-verification',
    o.schedule ?? '0 4 * * 0',
    [...databaseEnv(o.db), ...resultsEnv(o)],
    script,
  );
}
