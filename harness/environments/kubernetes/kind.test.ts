import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { EXIT_CODES } from '../../engine/exit-codes.js';
import { runCli, tempDir } from '../../testing/run-cli.js';
import { KIND_DIR, KIND_VERSION } from './kind.js';

/** A PATH holding only fake executables that log how they were called. */
function fakePath(names: string[]): { path: string; log: string } {
  const dir = tempDir('drdrill-path-');
  const log = join(dir, 'calls.log');
  for (const name of names) {
    const file = join(dir, name);
    writeFileSync(
      file,
      `#!/bin/sh\nprintf '%s provider=%s %s\\n' "${name}" "$KIND_EXPERIMENTAL_PROVIDER" "$*" >> ${log}\n` +
        (name === 'kind' ? `[ "$1 $2" = "get clusters" ] && echo existing\nexit 0\n` : 'exit 0\n'),
    );
    chmodSync(file, 0o755);
  }
  return { path: dir, log };
}

describe('drdrill kind', () => {
  test('without kind: exit 3 with the exact install command', async () => {
    const { path } = fakePath([]);
    const r = await runCli(['kind', 'up'], { env: { PATH: path } });
    expect(r.code).toBe(EXIT_CODES['missing-prerequisite']);
    expect(r.stderr).toBe(
      `drdrill: "kind" is not on PATH; install it: curl -Lo /usr/local/bin/kind https://kind.sigs.k8s.io/dl/${KIND_VERSION}/kind-linux-${process.arch === 'arm64' ? 'arm64' : 'amd64'} && chmod +x /usr/local/bin/kind (or: go install sigs.k8s.io/kind@${KIND_VERSION}); see https://kind.sigs.k8s.io/docs/user/quick-start/#installation\n`,
    );
  });

  test('with kind but no container engine: exit 3 naming docker and podman and how to get podman', async () => {
    const { path, log } = fakePath(['kind']);
    const r = await runCli(['kind', 'up'], { env: { PATH: path } });
    expect(r.code).toBe(EXIT_CODES['missing-prerequisite']);
    expect(r.stderr).toContain('neither "docker" nor "podman" is on PATH; install one: apt-get install podman');
    expect(() => readFileSync(log, 'utf8')).toThrow();
  });

  test('with podman: kind runs with KIND_EXPERIMENTAL_PROVIDER=podman and the shipped cluster config', async () => {
    const { path, log } = fakePath(['kind', 'podman']);
    const up = await runCli(['kind', 'up', '--name', 'drill-lab', '--no-addons'], { env: { PATH: path } });
    expect(up.code, up.stderr).toBe(0);
    const down = await runCli(['kind', 'down', '--name', 'drill-lab'], { env: { PATH: path } });
    expect(down.code, down.stderr).toBe(0);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
      'kind provider=podman get clusters',
      `kind provider=podman create cluster --name drill-lab --config ${join(KIND_DIR, 'cluster.yaml')} --wait 120s`,
      'kind provider=podman delete cluster --name drill-lab',
    ]);
    expect(up.stdout).toContain('context "kind-drill-lab" is ready');
  });
});

describe('drdrill manifests', () => {
  test('suite: RBAC, the scenarios ConfigMap and one Indexed Job; valid, and without a credential', async () => {
    const r = await runCli([
      'manifests',
      'suite',
      'scenarios/accidental-delete.yaml',
      'scenarios/smoke.yaml',
      '--namespace',
      'drills',
      '--results',
      's3://drill-results/nightly/',
      '--parallel',
      '5',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
    expect(docs.map((d) => d.kind)).toEqual([
      'ServiceAccount',
      'Role',
      'RoleBinding',
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'Job',
    ]);
    const job = docs[6] as unknown as Job;
    new Job(job).validate();
    expect(job.spec?.completions).toBe(2);
    expect(job.spec?.parallelism).toBe(2);
    expect(JSON.stringify(job)).toContain('$DRDRILL_RESULTS/drdrill-suite-');
    expect(r.stdout).toContain('kubectl -n drills create secret generic drdrill-results');
    expect(r.stdout).not.toMatch(/AWS_SECRET_ACCESS_KEY\n\s+value:/);
  });

  test('cronjob: a valid CronJob; an invalid scenario stops it before anything is printed', async () => {
    const ok = await runCli(['manifests', 'cronjob', 'smoke', '--namespace', 'drills', '--results', 's3://b/p']);
    expect(ok.code, ok.stderr).toBe(0);
    const cron: unknown = parseAllDocuments(ok.stdout)
      .map((d) => d.toJS() as { kind: string })
      .find((d) => d.kind === 'CronJob');
    // kubernetes-models checks whatever it is given against the schema.
    new CronJob(cron as ConstructorParameters<typeof CronJob>[0]).validate();
    const dir = tempDir('drdrill-bad-');
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: drdrill/v1\nkind: Drill\nmetadata: { name: Bad }\n');
    const bad = await runCli([
      'manifests',
      'cronjob',
      join(dir, 'bad.yaml'),
      '--namespace',
      'drills',
      '--results',
      's3://b/p',
    ]);
    expect(bad.code).toBe(EXIT_CODES['invalid-config']);
    expect(bad.stdout).toBe('');
  });
});
