import type { Argv } from 'yargs';
import { defineCommand } from '../define-command.js';
import { annotateJournal } from '../../evidence/annotate.js';

export default defineCommand({
  command: 'annotate <journal>',
  describe: "Record a finding and its remediation in a drill's journal and reports, signed into its evidence bundle",
  builder: (y: Argv) =>
    y
      .positional('journal', {
        type: 'string',
        demandOption: true,
        describe: "the drill's journal.json, its results directory, or its evidence bundle",
      })
      .option('finding', { type: 'string', demandOption: true, describe: 'what the drill showed, in words' })
      .option('remediation', { type: 'string', describe: 'what will be (or was) done about it' })
      .option('by', { type: 'string', describe: 'who records it (default: the current user)' })
      .option('key-env', {
        type: 'string',
        describe: 'environment variable holding the signing key of a signed bundle (ed25519 private key or HMAC key)',
      }),
  handler: async (argv) => {
    const result = await annotateJournal({
      target: argv.journal,
      finding: argv.finding,
      ...(argv.remediation ? { remediation: argv.remediation } : {}),
      ...(argv.by ? { by: argv.by } : {}),
      ...(argv.keyEnv ? { keyEnv: argv.keyEnv } : {}),
    });
    process.stdout.write(`annotate: finding added to ${result.journal}\n`);
    for (const f of result.written) process.stdout.write(`  wrote ${f}\n`);
    for (const b of result.bundles)
      process.stdout.write(`annotate: evidence bundle ${b.dir} re-hashed${b.signed ? ' and re-signed' : ''}\n`);
  },
});
