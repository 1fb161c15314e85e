import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DRDRILL_VERSION } from '../engine/version.js';
import { journalOf } from '../testing/journals.js';
import { processesMentioning } from '../testing/processes.js';
import { tempDir, workDir } from '../testing/run-cli.js';
import { packageRoot } from '../util/paths.js';

const run = promisify(execFile);
const npm = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
  run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });

/**
 * The package as users get it: `npm pack` (of the built dist/), installed into an empty project, then a drill
 * through the library API and through `npx drdrill`.
 */
describe('the npm package', () => {
  it('packs only what runs, installs into an empty project and runs smoke through the API and npx', async () => {
    const tmp = tempDir('drdrill-pack-');
    const { stdout } = await npm(['pack', '--json', '--pack-destination', tmp], packageRoot());
    const [pack] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
    const files = pack.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'bin/drdrill.js',
        'dist/harness/cli/main.js',
        'dist/harness/api/index.js',
        'dist/harness/api/index.d.ts',
        'dist/harness/api/vitest/index.js',
        'dist/harness/api/vitest/index.d.ts',
        'dist/wal-tool.cjs',
        'scenarios/smoke.yaml',
        'scenarios/accidental-delete.yaml',
        'scenarios/schema/drill.v1.schema.json',
        'reports/schema/journal.v1.schema.json',
        'reports/templates/drill.html.hbs',
        'reports/compliance/controls.yaml',
        'fixtures/datasets/shop/schema.sql',
        'fixtures/kubernetes/kind/cluster.yaml',
        'monitoring/rules/drdrill.rules.yml',
      ]),
    );
    const unwanted = files.filter(
      (f) =>
        /\.test\.|\.drill\.|vitest\.config|\.map$|(^|\/)testing\/|^dist\/bench\/|reports\/fixtures|monitoring\/tests|examples\//.test(
          f,
        ) ||
        (/\.ts$/.test(f) && !f.endsWith('.d.ts')),
    );
    expect(unwanted).toEqual([]);

    const project = join(tmp, 'project');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'nightly-drills', private: true, type: 'module' }),
    );
    await npm(['install', '--prefer-offline', join(tmp, pack.filename)], project);

    // The API is typed for users: the journal's measurements, the scenario's fields.
    writeFileSync(
      join(project, 'typed.ts'),
      [
        "import { defineDrill, runDrill, type Journal } from 'drdrill';",
        "const drill = defineDrill({ apiVersion: 'drdrill/v1', kind: 'Drill', metadata: { name: 'typed' } });",
        'const journal: Journal = await runDrill(drill, { out: "x" });',
        'export const rto: number | undefined = journal.measurements.rto?.serviceSeconds;',
        '// @ts-expect-error: the journal has no such measurement',
        'export const typo = journal.measurements.rto?.serviceSecs;',
        '// @ts-expect-error: dataset.scale is a number',
        "defineDrill({ apiVersion: 'drdrill/v1', kind: 'Drill', metadata: { name: 'x' }, dataset: { scale: 'big' } });",
      ].join('\n'),
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(packageRoot(), 'node_modules', '@types')],
        },
        files: ['typed.ts'],
      }),
    );
    await run(process.execPath, [join(packageRoot(), 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], {
      cwd: project,
    }).catch((err: { stdout: string }) => {
      throw new Error(`the installed package's types do not check:\n${err.stdout}`);
    });

    const work = workDir();
    const env = { ...process.env, DRDRILL_WORK_DIR: work, CI: 'true' };
    writeFileSync(
      join(project, 'drill.js'),
      "import { runDrill } from 'drdrill';\n" +
        "const journal = await runDrill('smoke', { out: 'results-api', reporters: ['json'] });\n" +
        'console.log(`verdict: ${journal.verdict}`);\n',
    );
    const api = await run(process.execPath, ['drill.js'], { cwd: project, env });
    expect(api.stdout).toContain('verdict: passed');

    const cli = await run('npx', ['--no-install', 'drdrill', 'run', 'smoke', '--out', 'results-cli'], {
      cwd: project,
      env,
    });
    expect(cli.stdout).toContain('drills: 1 passed, 0 failed');

    for (const out of ['results-api', 'results-cli']) {
      const journal = journalOf(join(project, out), 'smoke');
      expect(journal.verdict, out).toBe('passed');
      expect(journal.drdrillVersion).toBe(DRDRILL_VERSION);
      expect(journal.scenario.file).toContain(join('node_modules', 'drdrill', 'scenarios', 'smoke.yaml'));
    }
    expect(processesMentioning(work)).toEqual([]);
  });
});
