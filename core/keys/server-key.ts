// The server key: 32 random bytes that encrypt secrets at rest (TOTP seeds, optionally message bodies).
// Taken from config (CHATHUB_SERVER_KEY) or <dataDir>/server.key, created with mode 0600 when missing.
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { coreErrors } from '#core/errors'

export const SERVER_KEY_FILE = 'server.key'

const decode = (text: string, where: string): Buffer => {
  const key = Buffer.from(text.trim(), 'base64')
  if (key.length !== 32) throw coreErrors.configInvalid(`  ${where}: the server key must be 32 bytes, base64-encoded`)
  return key
}

export const loadServerKey = (dataDir: string, configured: string): { key: Buffer; created: boolean; file?: string } => {
  if (configured !== '') return { key: decode(configured, 'serverKey (CHATHUB_SERVER_KEY)'), created: false }
  const file = join(dataDir, SERVER_KEY_FILE)
  if (existsSync(file)) {
    // Keep the key private even if it was copied around with a looser mode.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600)
    return { key: decode(readFileSync(file, 'utf8'), file), created: false, file }
  }
  mkdirSync(dataDir, { recursive: true })
  const key = randomBytes(32)
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' })
  return { key, created: true, file }
}
