/**
 * `npm test` runs a representative subset in well under the CI budget; `npm run test:all` (DRDRILL_TESTS=all)
 * runs every test, the long ones too. A long test inside a file that otherwise runs is declared with
 * `it.skipIf(!allTests)`; whole files of the long lane are listed in vitest.config.ts.
 */
export const allTests = process.env.DRDRILL_TESTS === 'all';
