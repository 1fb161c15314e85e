import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto';
import { DrillError } from '../engine/errors.js';
import { registerSecret } from '../util/logger.js';

export const SIGNATURE_ALGORITHMS = ['ed25519', 'hmac'] as const;
export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];

export interface SignatureFile {
  algorithm: 'ed25519' | 'hmac-sha256';
  signed: string;
  signature: string;
  /** ed25519 only: the public key, so a reader knows which key to ask for. Never trusted by verify. */
  publicKey?: string;
  publicKeyFingerprint?: string;
}

/** Reads a key from the environment variable named by --key-env; the value is registered as a secret at once. */
export function keyFromEnv(keyEnv: string): string {
  const value = process.env[keyEnv];
  if (!value)
    throw new DrillError('invalid-config', `--key-env ${keyEnv}: the environment variable ${keyEnv} is not set`);
  registerSecret(value);
  return value;
}

export function signManifest(
  manifest: Buffer,
  algorithm: SignatureAlgorithm,
  key: string,
  signedFile: string,
): SignatureFile {
  if (algorithm === 'hmac')
    return {
      algorithm: 'hmac-sha256',
      signed: signedFile,
      signature: createHmac('sha256', key).update(manifest).digest('base64'),
    };
  const privateKey = parseKey(key, 'private');
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new DrillError(
      'invalid-config',
      `the signing key is a ${privateKey.asymmetricKeyType} key; expected an ed25519 private key (PEM)`,
    );
  const publicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return {
    algorithm: 'ed25519',
    signed: signedFile,
    signature: sign(null, manifest, privateKey).toString('base64'),
    publicKey,
    publicKeyFingerprint: fingerprint(publicKey),
  };
}

/** True when the signature matches; the key comes from the verifier's environment, never from the bundle. */
export function verifySignature(manifest: Buffer, sig: SignatureFile, key: string): boolean {
  if (sig.algorithm === 'hmac-sha256') {
    const expected = createHmac('sha256', key).update(manifest).digest();
    const actual = Buffer.from(sig.signature, 'base64');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
  if (sig.algorithm === 'ed25519') {
    const k = parseKey(key, 'public');
    const publicKey = k.type === 'private' ? createPublicKey(k) : k;
    return verify(null, manifest, publicKey, Buffer.from(sig.signature, 'base64'));
  }
  throw new DrillError(
    'failed',
    `signature.json: unknown algorithm "${String((sig as { algorithm: unknown }).algorithm)}"`,
  );
}

function parseKey(pem: string, want: 'private' | 'public'): KeyObject {
  try {
    if (want === 'private') return createPrivateKey(pem);
    return pem.includes('PRIVATE KEY') ? createPrivateKey(pem) : createPublicKey(pem);
  } catch {
    throw new DrillError(
      'invalid-config',
      `the key is not a PEM ${want === 'private' ? 'private' : 'public or private'} key (generate one with: openssl genpkey -algorithm ed25519)`,
    );
  }
}

function fingerprint(publicKeyPem: string): string {
  return 'sha256:' + createHash('sha256').update(publicKeyPem).digest('hex').slice(0, 32);
}
