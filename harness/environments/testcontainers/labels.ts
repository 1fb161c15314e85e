import { hostname } from 'node:os';
import type { Dockerode } from './container-shell.js';
import { engineMessage } from './container-shell.js';

/** Every container, network and volume a drill creates carries these labels; `drdrill gc` finds leftovers by them. */
export const RUN_LABEL = 'org.drdrill.run';
export const DRILL_LABEL = 'org.drdrill.drill';
export const OWNER_LABEL = 'org.drdrill.owner';
export const INSTANCE_LABEL = 'org.drdrill.instance';

export function drillLabels(runId: string, drillName: string): Record<string, string> {
  return { [RUN_LABEL]: runId, [DRILL_LABEL]: drillName, [OWNER_LABEL]: `${hostname()}:${process.pid}` };
}

export interface Leftover {
  kind: 'container' | 'network' | 'volume';
  id: string;
  name: string;
  runId: string;
  owner: string;
  /** Why it is (or is not) removed. */
  status: 'removed' | 'kept: its drill is still running' | `failed: ${string}`;
}

/**
 * Removes what crashed runs left behind. Resources whose owning drdrill process is still alive on this host
 * are kept unless `all` is set, so a gc never pulls containers from under a drill that is running.
 */
export async function collectGarbage(
  docker: Dockerode,
  opts: { all?: boolean; runId?: string; dryRun?: boolean } = {},
): Promise<Leftover[]> {
  const filters = JSON.stringify({ label: [opts.runId ? `${RUN_LABEL}=${opts.runId}` : RUN_LABEL] });
  const out: Leftover[] = [];
  const consider = async (
    kind: Leftover['kind'],
    id: string,
    name: string,
    labels: Record<string, string> | undefined,
    remove: () => Promise<unknown>,
  ) => {
    const owner = labels?.[OWNER_LABEL] ?? '';
    const item = { kind, id, name, runId: labels?.[RUN_LABEL] ?? '', owner };
    if (!opts.all && ownerAlive(owner)) return out.push({ ...item, status: 'kept: its drill is still running' });
    if (opts.dryRun) return out.push({ ...item, status: 'removed' });
    try {
      await remove();
      out.push({ ...item, status: 'removed' });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return out.push({ ...item, status: 'removed' });
      out.push({ ...item, status: `failed: ${engineMessage(err)}` });
    }
  };
  for (const c of await docker.listContainers({ all: true, filters })) {
    await consider('container', c.Id, (c.Names?.[0] ?? c.Id).replace(/^\//, ''), c.Labels, () =>
      docker.getContainer(c.Id).remove({ force: true, v: true }),
    );
  }
  for (const n of await docker.listNetworks({ filters })) {
    await consider('network', n.Id, n.Name, n.Labels, () => docker.getNetwork(n.Id).remove());
  }
  const volumes = (await docker.listVolumes({ filters })).Volumes ?? [];
  for (const v of volumes) {
    await consider('volume', v.Name, v.Name, v.Labels ?? undefined, () =>
      docker.getVolume(v.Name).remove({ force: true }),
    );
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
