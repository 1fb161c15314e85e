import type { Outage } from '../engine/journal.js';
import type { Ack, FailedWrite } from '../workload/writes.js';
import { round } from '../engine/recorder.js';

/**
 * Service RTO: from the fault to the first acknowledged write after the write outage it caused. The outage
 * runs from the first write that failed after the fault to the first write acknowledged after the last
 * failure. Writes that never stopped mean 0 s and outage "none".
 */
export function serviceOutage(
  acks: readonly Ack[],
  failures: readonly FailedWrite[],
  faultAt: number,
): { serviceSeconds?: number; outage: Outage | 'none' } {
  const after = failures.filter((f) => f.at >= faultAt).sort((a, b) => a.at - b.at);
  if (!after.length) return { serviceSeconds: 0, outage: 'none' };
  const first = after[0]!;
  const last = after.at(-1)!;
  const resumed = acks.find((a) => a.ackAt > last.at);
  const outage: Outage = {
    from: new Date(first.at).toISOString(),
    to: resumed ? new Date(resumed.ackAt).toISOString() : null,
    seconds: resumed ? round((resumed.ackAt - first.at) / 1000) : null,
    failedWrites: after.length,
    error: first.error,
  };
  return resumed ? { serviceSeconds: round((resumed.ackAt - faultAt) / 1000), outage } : { outage };
}
