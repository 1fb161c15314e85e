/**
 * Dataset sizes for the benchmarks. The shop dataset's `scale` is its number of customers; each customer
 * brings about 1.74 kB to the database (orders, items, payments, indexes), measured with pg_database_size on
 * PostgreSQL 15. The benchmarks still measure the real size of every database they seed and report that.
 */
const BYTES_PER_CUSTOMER = 1736;
const EMPTY_DATABASE = 7.5e6;

export function scaleForGB(gb: number): number {
  return Math.max(1000, Math.round((gb * 1e9 - EMPTY_DATABASE) / BYTES_PER_CUSTOMER));
}

/** Sizes from an environment variable such as "0.1,1" (DRDRILL_BENCH_GB), else the defaults given. */
export function sizesFromEnv(name: string, defaults: number[]): number[] {
  const raw = process.env[name];
  if (!raw) return defaults;
  const sizes = raw.split(',').map(Number);
  if (sizes.some((s) => !(s > 0))) throw new Error(`${name}="${raw}": expected sizes in GB such as "0.1,1"`);
  return sizes;
}
