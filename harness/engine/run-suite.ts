import type { LoadedScenario } from '../scenario/load.js';
import type { Journal } from './journal.js';
import { runDrill, type RunDrillOptions } from './run-drill.js';

export interface RunSuiteOptions extends RunDrillOptions {
  /** How many drills run at the same time (1: one after the other). */
  parallel: number;
  /** Called as each drill ends, in the order they end; awaited before that slot takes the next drill. */
  onDrillEnd?(journal: Journal): void | Promise<void>;
}

/**
 * Runs drills with at most `parallel` at a time and returns their journals in the order given. Each drill is
 * isolated by its run id (work directory, ports, bucket, containers, namespace). Drills that would share a
 * resource anyway (an existing Kubernetes namespace) run one after the other. After an interrupt no new drill
 * starts; the running ones end `interrupted` and are returned.
 */
export async function runSuite(loaded: LoadedScenario[], opts: RunSuiteOptions): Promise<Journal[]> {
  const parallel = Math.max(1, Math.floor(opts.parallel));
  const journals: (Journal | undefined)[] = loaded.map(() => undefined);
  const lanes = lanesOf(loaded);
  let next = 0;
  // A harness error (not a drill's verdict) stops new drills from starting; the running ones finish first.
  let failure: { error: unknown } | undefined;
  const stopped = () => !!failure || opts.signal.aborted;
  const worker = async () => {
    while (next < lanes.length && !stopped()) {
      for (const i of lanes[next++]!) {
        if (stopped()) return;
        try {
          const journal = await runDrill(loaded[i]!, opts);
          journals[i] = journal;
          await opts.onDrillEnd?.(journal);
        } catch (error) {
          failure ??= { error };
          return;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, lanes.length) }, worker));
  if (failure) throw failure.error;
  return journals.filter((j): j is Journal => j !== undefined);
}

/** Indexes of the drills grouped into lanes: drills sharing a resource go in one lane, in their order. */
function lanesOf(loaded: LoadedScenario[]): number[][] {
  const lanes: number[][] = [];
  const byResource = new Map<string, number[]>();
  loaded.forEach((l, i) => {
    const resource = sharedResource(l);
    const lane = resource ? byResource.get(resource) : undefined;
    if (lane) return void lane.push(i);
    lanes.push([i]);
    if (resource) byResource.set(resource, lanes.at(-1)!);
  });
  return lanes;
}

/**
 * A resource two drills cannot use at the same time. Everything else a drill creates is named by its run
 * id; in an existing Kubernetes namespace its objects (primary, credentials) have fixed names.
 */
export function sharedResource(l: LoadedScenario): string | undefined {
  const env = l.scenario.environment;
  if (env.kind !== 'kubernetes') return undefined;
  const namespace = env.kubernetes?.namespace ?? (process.env.DRDRILL_KUBE_NAMESPACE || undefined);
  return namespace ? `kubernetes namespace ${namespace}` : undefined;
}
