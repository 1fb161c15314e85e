import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runProcess } from '../util/process.js';

/**
 * A throwaway certificate for 127.0.0.1 and localhost (plus `dnsNames`, e.g. a container's network alias), for
 * the embedded S3 over TLS (pgBackRest speaks only HTTPS).
 */
export async function makeSelfSignedCert(dir: string, dnsNames: string[] = []): Promise<{ key: string; cert: string }> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  await runProcess('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    `subjectAltName=IP:127.0.0.1,DNS:localhost${dnsNames.map((n) => `,DNS:${n}`).join('')}`,
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { key, cert };
}
