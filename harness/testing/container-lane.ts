import { errorMessage } from '../engine/errors.js';
import { CONTAINER_PATHS } from '../environments/testcontainers/container-instance.js';
import { ContainerShell, type Dockerode } from '../environments/testcontainers/container-shell.js';
import { containerEngine } from '../environments/testcontainers/index.js';
import { RUN_LABEL } from '../environments/testcontainers/labels.js';

/**
 * Whether the testcontainers lane can run: a container engine must answer. Without one the lane is skipped
 * with the reason printed; DRDRILL_REQUIRE_CONTAINERS=1 (set by .ci/run once podman is up) turns that into a
 * failure, so CI never passes by skipping.
 */
export async function containerLane(): Promise<{ docker?: Dockerode; skip?: string }> {
  try {
    return { docker: (await containerEngine()).container.dockerode };
  } catch (err) {
    // The message says how to get an engine.
    const reason = errorMessage(err);
    if (process.env.DRDRILL_REQUIRE_CONTAINERS === '1')
      throw new Error(`DRDRILL_REQUIRE_CONTAINERS=1 but ${reason}`, { cause: err });
    console.warn(`SKIPPED testcontainers lane: ${reason}`);
    return { skip: reason };
  }
}

/** Containers, networks and volumes of one run, as `podman ps -a` / `docker ps -a` would list them. */
export async function leftoversOf(docker: Dockerode, runId: string): Promise<string[]> {
  const filters = JSON.stringify({ label: [`${RUN_LABEL}=${runId}`] });
  const containers = (await docker.listContainers({ all: true, filters })).map(
    (c) => `container ${(c.Names?.[0] ?? c.Id).replace(/^\//, '')}`,
  );
  const networks = (await docker.listNetworks({ filters })).map((n) => `network ${n.Name}`);
  const volumes = ((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => `volume ${v.Name}`);
  return [...containers, ...networks, ...volumes];
}

/** Runs SQL with psql inside a (kept) container, over its local socket: an independent look at the database. */
export async function psqlInContainer(docker: Dockerode, container: string, sql: string): Promise<string> {
  const shell = new ContainerShell(docker, container, container);
  return (
    await shell.exec(['psql', '-At', '-v', 'ON_ERROR_STOP=1', '-d', 'drdrill', '-c', sql], {
      user: 'postgres',
      env: { PGHOST: CONTAINER_PATHS.socket },
    })
  ).stdout;
}

/** A file inside a (kept) container, read through the engine as root. */
export async function readKeptFile(docker: Dockerode, container: string, path: string): Promise<string> {
  return (await new ContainerShell(docker, container, container).readFile(path)).toString();
}
