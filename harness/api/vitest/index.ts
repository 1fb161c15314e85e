/**
 * drdrill in vitest: `import { drillTest, test, expect } from 'drdrill/vitest'`, with the project's own vitest
 * (4.x; not a declared peer dependency, which Debian 13's npm 9.2 cannot resolve). Importing it adds the drill
 * matchers to vitest's `expect` (typed), so `expect(journal).toLoseNoAcknowledgedWrites()` works in any test.
 */
import { expect } from 'vitest';
import { drillMatchers, type DrillMatchers } from './matchers.js';

expect.extend(drillMatchers);

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends DrillMatchers<T> {}
}

export { expect };
export {
  drillTest,
  it,
  test,
  type DrillFixture,
  type DrillRunOptions,
  type DrillTestContext,
  type DrillTestOptions,
} from './drill-test.js';
export { drillMatchers, type DrillMatchers } from './matchers.js';
