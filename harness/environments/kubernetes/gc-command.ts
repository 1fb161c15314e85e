import { silentLogger } from '../../util/logger.js';
import { connectCluster } from './connect.js';
import { collectNamespaces, type NamespaceLeftover } from './gc.js';

/** `drdrill gc --kubernetes`: connect (the context, else DRDRILL_KUBE_CONTEXT, else the current one), collect. */
export async function collectKubernetesGarbage(
  context: string | undefined,
  opts: { all: boolean; runId?: string; dryRun: boolean },
): Promise<NamespaceLeftover[]> {
  const cluster = await connectCluster({ context: context ?? process.env.DRDRILL_KUBE_CONTEXT, logger: silentLogger });
  try {
    return await collectNamespaces(cluster, opts);
  } finally {
    await cluster.close();
  }
}
