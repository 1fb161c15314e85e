/**
 * Epoch milliseconds read from the monotonic clock: performance.timeOrigin plus performance.now(). Every
 * instant a measurement is computed from (the fault, acknowledgements, phase marks) comes from here, so a
 * wall-clock step (NTP) during a drill cannot shorten or lengthen an RTO.
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
