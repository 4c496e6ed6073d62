// The client CLI's credentials file: the hub URL, user and session token of the last login (mode 0600),
// plus per-room stego passphrases. $CHATHUB_HOME overrides the folder (default ~/.chathub).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
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

/** Connect to the hub of the stored session with the SDK. */
export const connectStored = async (): Promise<{ client: ChatClient; creds: Credentials }> => {
  const creds = requireCredentials()
  const client = await ChatClient.connect(creds.server, creds.token)
  return { client, creds }
}
