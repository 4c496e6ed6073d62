// A self-signed certificate for localhost/127.0.0.1 made with openssl, for TLS tests (hub and IRC daemon).
import { spawnSync } from 'node:child_process'
import { chmodSync } from 'node:fs'
import { join } from 'node:path'

export const selfSignedCert = (dir: string): { certFile: string; keyFile: string } => {
  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-days',
      '1',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { encoding: 'utf8' },
  )
  if (r.status !== 0)
    throw new Error(`openssl could not make a test certificate: ${r.stderr || r.error?.message}`)
  // ngircd drops to `nobody` after start; it must still read them on a rehash.
  chmodSync(certFile, 0o644)
  chmodSync(keyFile, 0o644)
  return { certFile, keyFile }
}
