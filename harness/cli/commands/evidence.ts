import type { Argv } from 'yargs';
import { defineCommand } from '../define-command.js';
import { createBundle } from '../../evidence/bundle.js';
import { SIGNATURE_ALGORITHMS } from '../../evidence/sign.js';
import { verifyBundle } from '../../evidence/verify.js';
import { DrillError } from '../../engine/errors.js';

const bundle = defineCommand({
  command: 'bundle <drillDir>',
  describe:
    'Bundle a drill for audit: journal, reports, redacted logs and tool outputs, SHA-256 manifest, optional signature',
  builder: (y: Argv) =>
    y
      .positional('drillDir', {
        type: 'string',
        demandOption: true,
        describe: 'the drill results directory (<out>/<drill>)',
      })
      .option('out', { type: 'string', describe: 'bundle directory (default <drillDir>-evidence)' })
      .option('tar', { type: 'boolean', default: false, describe: 'also write <out>.tar.gz' })
      .option('sign', {
        choices: SIGNATURE_ALGORITHMS,
        describe: 'sign the manifest with ed25519 (PEM private key) or HMAC-SHA256',
      })
      .option('key-env', { type: 'string', describe: 'environment variable holding the signing key' }),
  handler: async (argv) => {
    if (argv.sign && !argv.keyEnv)
      throw new DrillError(
        'invalid-config',
        `--sign ${argv.sign} needs --key-env VAR naming the environment variable that holds the key`,
      );
    const result = await createBundle({
      drillDir: argv.drillDir,
      ...(argv.out ? { out: argv.out } : {}),
      tar: argv.tar,
      ...(argv.sign && argv.keyEnv ? { sign: { algorithm: argv.sign, keyEnv: argv.keyEnv } } : {}),
    });
    process.stdout.write(
      `evidence: ${result.dir} (${result.files} files${result.signed ? `, signed with ${argv.sign}` : ''})\n`,
    );
    if (result.tarGz) process.stdout.write(`evidence: ${result.tarGz}\n`);
  },
});

const verify = defineCommand({
  command: 'verify <bundle>',
  describe: 'Check every file of a bundle against its manifest (and its signature with --key-env)',
  builder: (y: Argv) =>
    y
      .positional('bundle', { type: 'string', demandOption: true, describe: 'bundle directory or .tar.gz' })
      .option('key-env', {
        type: 'string',
        describe: 'environment variable holding the HMAC key or the ed25519 public key',
      }),
  handler: async (argv) => {
    const result = await verifyBundle(argv.bundle, argv.keyEnv ? { keyEnv: argv.keyEnv } : {});
    if (!result.ok) {
      for (const p of result.problems.slice(1)) process.stderr.write(`drdrill: ${p}\n`);
      throw new DrillError(
        'failed',
        `evidence bundle ${argv.bundle} does not verify: ${result.problems[0]}${result.problems.length > 1 ? ` (and ${result.problems.length - 1} more)` : ''}`,
      );
    }
    const sig = {
      valid: 'signature valid',
      absent: 'unsigned: integrity only',
      'not-checked': 'signed, signature not checked (give --key-env)',
      invalid: 'signature invalid',
    }[result.signature];
    const amended = result.amendments.length
      ? `; amended after it was made: ${result.amendments.map((a) => `${a.change} ${a.at}${a.by ? ` by ${a.by}` : ''}`).join(', ')}`
      : '';
    process.stdout.write(
      `evidence: ${argv.bundle} verified: ${result.files} files match the manifest; ${sig}${amended}\n`,
    );
  },
});

export default defineCommand({
  command: 'evidence <command>',
  describe: 'Make and check signed evidence bundles for audit',
  builder: (y: Argv) => verify(bundle(y)).demandCommand(1, 'Give a subcommand: bundle or verify'),
  handler: () => {},
});
