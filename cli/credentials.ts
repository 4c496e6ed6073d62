// The client CLI's credentials file: the hub URL, user and session token of the last login (mode 0600),
// plus per-room stego passphrases. $CHATHUB_HOME overrides the folder (default ~/.chathub).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { homedir, hostname } from 'node:os'
import { E2eSession } from '#core/client/e2e/session'
import { FileDeviceStore } from '#core/client/e2e/store-file'
import { ChatClient } from '#core/client/sdk'
import { coreErrors } from '#core/errors'

export interface Credentials {
  server: string
  user: string
  token: string
  expiresAt: string | null
  /** Room passphrases kept by `chathub stego key set`. */
  roomKeys?: Record<string, string>
}

export const credentialsHome = (env: NodeJS.ProcessEnv = process.env): string =>
  env.CHATHUB_HOME ?? join(homedir(), '.chathub')

export const credentialsFile = (env: NodeJS.ProcessEnv = process.env): string =>
  join(credentialsHome(env), 'credentials.json')

export const readCredentials = (): Credentials | undefined => {
  const file = credentialsFile()
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Credentials
  } catch {
    return undefined
  }
}

/** Write the file with mode 0600 (and its folder 0700): it holds a bearer token. */
export const writeCredentials = (creds: Credentials | undefined): void => {
  const home = credentialsHome()
  mkdirSync(home, { recursive: true, mode: 0o700 })
  const file = credentialsFile()
  writeFileSync(file, JSON.stringify(creds ?? {}, null, 2) + '\n', { mode: 0o600 })
  chmodSync(file, 0o600)
}

/** The stored session, or CHATHUB_NOT_LOGGED_IN. */
export const requireCredentials = (): Credentials => {
  const creds = readCredentials()
  if (!creds?.token || !creds.server) throw coreErrors.notLoggedIn()
  return creds
}

/**
 * Connect to the hub of the stored session with the SDK, with this CLI home's end-to-end session
 * attached (it loads the MLS code and registers the device only once an E2E room needs them).
 */
export const connectStored = async (): Promise<{ client: ChatClient; creds: Credentials; e2e: E2eSession; store: FileDeviceStore }> => {
  const creds = requireCredentials()
  const client = await ChatClient.connect(creds.server, creds.token)
  const store = new FileDeviceStore(e2eStoreFile(creds))
  try {
    const e2e = await E2eSession.attach(client, { deviceName: `cli on ${hostname()}`, store })
    return { client, creds, e2e, store }
  } catch (err) {
    await client.close()
    throw err
  }
}

/**
 * This CLI home's device keys, groups and decrypted messages for the account and hub of `creds`
 * (mode 0600 in a 0700 folder): another account or hub logged into later is another device.
 */
export const e2eStoreFile = (creds: Pick<Credentials, 'server' | 'user'>, env: NodeJS.ProcessEnv = process.env): string => {
  const hub = new URL(creds.server).host.replace(/[^A-Za-z0-9.-]/g, '_')
  return join(credentialsHome(env), 'e2e', `${creds.user}@${hub}.json`)
}
