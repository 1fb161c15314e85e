import type { Argv } from 'yargs';
import { defineCommand } from '../define-command.js';
import { DrillError } from '../../engine/errors.js';
import { formatDefinition } from '../../restore-tests/formats/index.js';
import { hostTools } from '../../restore-tests/host-tools.js';
import { backupAgeSeconds } from '../../restore-tests/select.js';
import { openSource, sourceConnection } from '../../restore-tests/source.js';
import { isKind, loadScenarioFile } from '../../scenario/load.js';
import { checkSemantics } from '../../scenario/semantic-checks.js';
import { formatBytes, formatSeconds } from '../../../reports/format.js';

const list = defineCommand({
  command: 'list <file>',
  describe: "List the backups a restore test's source holds: id, time, size, WAL range and age",
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'a kind: RestoreTest scenario' })
      .option('json', { type: 'boolean', describe: 'machine-readable output' }),
  handler: async (argv) => {
    const loaded = await loadScenarioFile(argv.file);
    checkSemantics(loaded);
    if (!isKind(loaded, 'RestoreTest'))
      throw new DrillError(
        'invalid-config',
        `${argv.file}: backups list reads the source of a kind: RestoreTest scenario`,
      );
    const { source } = loaded.scenario;
    const conn = sourceConnection(source.objectStore);
    const store = openSource(conn);
    const tools = hostTools();
    try {
      const at = Date.now();
      const backups = (await formatDefinition(source.format.type).list({ store, conn, tools }, source.format)).sort(
        (a, b) => Date.parse(a.time) - Date.parse(b.time),
      );
      const rows = backups.map((b) => ({
        id: b.id,
        time: b.time,
        bytes: b.bytes,
        wal: b.wal ?? null,
        ageSeconds: backupAgeSeconds(b, at),
      }));
      if (argv.json) return void process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      const table = [
        ['ID', 'TIME (UTC)', 'SIZE', 'WAL', 'AGE'],
        ...rows.map((r) => [
          r.id,
          r.time.replace('T', ' ').replace(/\.\d+Z$/, ''),
          formatBytes(r.bytes),
          r.wal ? `${r.wal.start}..${r.wal.newest ?? r.wal.end ?? '?'}` : '—',
          formatSeconds(r.ageSeconds),
        ]),
      ];
      const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
      for (const row of table)
        process.stdout.write(
          row
            .map((c, i) => c.padEnd(widths[i]!))
            .join('  ')
            .trimEnd() + '\n',
        );
      if (!rows.length) process.stdout.write(`(no backup in s3://${conn.bucket}/${conn.prefix})\n`);
    } finally {
      store.destroy();
      tools.close();
    }
  },
});

export default defineCommand({
  command: 'backups <command>',
  describe: "The backups a restore test's source holds (read-only)",
  builder: (y: Argv) => list(y).demandCommand(1, 'Give a subcommand: list'),
  handler: () => {},
});
