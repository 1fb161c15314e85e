import { hostname } from 'node:os';
import { errorMessage } from '../../engine/errors.js';
import type { Cluster, KubeObject } from './cluster.js';
import { OWNER_ANNOTATION, RUN_ID_ANNOTATION, RUN_LABEL, runLabelValue } from './names.js';

export interface NamespaceLeftover {
  kind: 'namespace';
  name: string;
  runId: string;
  owner: string;
  status: 'removed' | 'kept: its drill is still running' | `failed: ${string}`;
}

/**
 * Namespaces that crashed runs left behind (label org.drdrill.run). A namespace whose drdrill process is
 * still alive on this host is kept unless `all` is set.
 */
export async function collectNamespaces(
  cluster: Cluster,
  opts: { all?: boolean; runId?: string; dryRun?: boolean } = {},
): Promise<NamespaceLeftover[]> {
  const selector = opts.runId ? `${RUN_LABEL}=${runLabelValue(opts.runId)}` : RUN_LABEL;
  const out: NamespaceLeftover[] = [];
  for (const ns of await cluster.list<KubeObject>('v1', 'Namespace', { labelSelector: selector })) {
    const owner = ns.metadata.annotations?.[OWNER_ANNOTATION] ?? '';
    const item = {
      kind: 'namespace' as const,
      name: ns.metadata.name,
      runId: ns.metadata.annotations?.[RUN_ID_ANNOTATION] ?? ns.metadata.labels?.[RUN_LABEL] ?? '',
      owner,
    };
    if (!opts.all && ownerAlive(owner)) {
      out.push({ ...item, status: 'kept: its drill is still running' });
      continue;
    }
    if (!opts.dryRun) {
      try {
        await cluster.delete(
          { apiVersion: 'v1', kind: 'Namespace', name: ns.metadata.name },
          { propagationPolicy: 'Foreground' },
        );
      } catch (err) {
        out.push({ ...item, status: `failed: ${errorMessage(err)}` });
        continue;
      }
    }
    out.push({ ...item, status: 'removed' });
  }
  return out;
}

function ownerAlive(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== hostname() || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
