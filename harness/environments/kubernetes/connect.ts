import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { DrillError, errorMessage } from '../../engine/errors.js';
import type { EnvironmentSpec } from '../../scenario/schema.js';
import type { Logger } from '../../util/logger.js';
import type { Cluster } from './cluster.js';
import { KubeClientCluster } from './kube-client.js';

/** An unreachable API server must fail a run in seconds, not after TCP's own timeout. */
export const VERSION_PROBE_MS = 2_000;
const IN_CLUSTER = 'in-cluster';

export interface ConnectOptions {
  /** The context to use; default: environment.kubernetes.context, else the kubeconfig's current one. */
  context?: string;
  logger: Logger;
  timeoutMs?: number;
}

/**
 * Loads the kubeconfig (KUBECONFIG, ~/.kube/config, or the pod's service account when drdrill runs in a
 * cluster), selects the context and probes GET /version. loadFromDefault() alone would silently point at
 * http://localhost:8080 when there is no kubeconfig, so nothing counts as connected until /version answers.
 */
export async function connectCluster(opts: ConnectOptions): Promise<Cluster> {
  const kc = loadKubeConfig(opts.context);
  const context = kc.getCurrentContext() || IN_CLUSTER;
  const server = kc.getCurrentCluster()?.server ?? '(no server)';
  const cluster = new KubeClientCluster(kc, context, opts.logger);
  const timeoutMs = opts.timeoutMs ?? VERSION_PROBE_MS;
  let timer: NodeJS.Timeout | undefined;
  try {
    const version = await Promise.race([
      cluster.serverVersion(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    opts.logger.debug(`kubernetes: context ${context}, server ${server}, version ${version}`);
    return cluster;
  } catch (err) {
    throw new DrillError(
      'missing-prerequisite',
      `kubernetes context "${context}" (${server}) is unreachable: GET /version failed: ${errorMessage(err)}; ` +
        `check "kubectl --context ${context} version", or create a local cluster with "drdrill kind up"`,
    );
  } finally {
    clearTimeout(timer);
  }
}

export function loadKubeConfig(context?: string): KubeConfig {
  const kc = new KubeConfig();
  const file = process.env.KUBECONFIG?.split(':').find(Boolean) ?? join(homedir(), '.kube', 'config');
  const inCluster = !!process.env.KUBERNETES_SERVICE_HOST;
  if (!existsSync(file) && !inCluster)
    throw new DrillError(
      'missing-prerequisite',
      `environment "kubernetes" needs a cluster, and there is no kubeconfig (${process.env.KUBECONFIG ? `KUBECONFIG=${process.env.KUBECONFIG}` : file} does not exist); ` +
        `point KUBECONFIG at one, or create a local cluster with "drdrill kind up"`,
    );
  try {
    kc.loadFromDefault();
  } catch (err) {
    throw new DrillError('invalid-config', `cannot read the kubeconfig ${file}: ${errorMessage(err)}`);
  }
  if (context) {
    if (!kc.getContextObject(context))
      throw new DrillError(
        'missing-prerequisite',
        `kubernetes context "${context}" is not in the kubeconfig (${file}); it has: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'no contexts'
        }`,
      );
    kc.setCurrentContext(context);
  }
  return kc;
}

export function contextFromSpec(spec: EnvironmentSpec): string | undefined {
  return spec.kubernetes?.context ?? process.env.DRDRILL_KUBE_CONTEXT;
}
