/**
 * `npm test` runs every test file in well under the CI budget; a few long variants of what it already covers
 * run only with `npm run test:all` (DRDRILL_TESTS=all), declared with `it.skipIf(!allTests)` or `ctx.skip`.
 */
export const allTests = process.env.DRDRILL_TESTS === 'all';
