// Moving this CLI home's device to another machine (`chathub devices export/import`): the store
// file of the logged-in account sealed into an export (core/client/e2e/device-export.ts) and marked
// moved here; an export checked against the account and the hub, then written as this home's store.
import { randomBytes } from 'node:crypto'
import { chmod, open, readFile, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import {
  checkPassphrase,
  openDeviceExport,
  parseDeviceExport,
  sealDeviceExport,
} from '#core/client/e2e/device-export'
import { e2eErrors } from '#core/client/e2e/errors'
import { FileDeviceStore } from '#core/client/e2e/store-file'
import { ChatClient } from '#core/client/sdk'
import { e2eStoreFile, requireCredentials } from './credentials.ts'
import { cliErrors } from './errors.ts'
import { readExportPassphrase } from './export-passphrase.ts'

const FILE_MODE = 0o600

interface MoveFlags {
  'passphrase-file'?: string
  force?: boolean
}

/**
 * Seal the store under a passphrase into `file`, read it back, then mark the store moved (refused
 * if it changed meanwhile: the export would be behind; the file is removed then).
 */
export const exportDevice = async (file: string, flags: MoveFlags) => {
  const creds = requireCredentials()
  const storeFile = e2eStoreFile(creds)
  const store = new FileDeviceStore(storeFile)
  const data = await store.snapshot()
  if (data?.moved) throw e2eErrors.deviceMoved(storeFile, data.moved.at)
  if (!data?.device) throw cliErrors.deviceNone(creds.user, storeFile)
  const target = resolve(file)
  if (!flags.force && (await exists(target))) throw cliErrors.outputExists(file)
  const passphrase = await readExportPassphrase(flags, {
    confirm: true,
    question: `Passphrase for the export of ${creds.user}'s device (at least 12 characters): `,
    check: checkPassphrase,
  })
  const sealed = await sealDeviceExport(data, { user: creds.user, hub: creds.server }, passphrase)
  await writePrivate(target, sealed, flags.force ?? false, file)
  try {
    // What is on the disk is what was sealed, before this home gives the device up.
    if (!(await readFile(target)).equals(sealed))
      throw e2eErrors.exportInvalid(`${file} reads back differently`)
    const movedAt = Date.now()
    await store.markMoved(data, { at: movedAt })
    return {
      file: target,
      user: creds.user,
      hub: creds.server,
      device: data.device.id,
      name: data.device.name,
      store: storeFile,
      movedAt,
    }
  } catch (err) {
    await rm(target, { force: true })
    throw err
  }
}

/**
 * Open an export for the logged-in account, check that the hub lists its device (same id and key)
 * for this account, and make it this home's store, replacing one only if it is marked moved (and
 * the export is newer than the move) or with --force.
 */
export const importDevice = async (file: string, flags: MoveFlags) => {
  const creds = requireCredentials()
  const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw cliErrors.fileUnreadable(
      file,
      err.code === 'ENOENT' ? 'no such file' : (err.code ?? 'error'),
    )
  })
  // Format and owner first: nobody is asked for a passphrase to learn the file is someone else's.
  const { header } = parseDeviceExport(bytes)
  if (header.user !== creds.user)
    throw e2eErrors.exportWrongAccount(
      `it is a device of ${header.user}, and you are logged in as ${creds.user}`,
    )
  const storeFile = e2eStoreFile(creds)
  const store = new FileDeviceStore(storeFile)
  const present = await store.snapshot()
  const replacing = present?.device !== undefined && present.moved === undefined
  if (replacing && !flags.force) throw cliErrors.deviceExists(creds.user, storeFile)
  // The export this home made when the device left it (or an older one): the device ran since.
  const outdated =
    present?.moved && present.device?.id === header.device && header.createdAt <= present.moved.at
  if (outdated && !flags.force) throw e2eErrors.exportOutdated(header.device)
  const passphrase = await readExportPassphrase(flags, {
    confirm: false,
    question: `Passphrase of ${basename(file)}: `,
  })
  const opened = await openDeviceExport(bytes, passphrase, { user: creds.user })
  const device = opened.data.device!
  await checkRegistered(creds, device.id, device.publicKey)
  await store.replace(opened.data)
  return {
    file: resolve(file),
    user: creds.user,
    device: device.id,
    name: device.name,
    store: storeFile,
    exportedAt: opened.header.createdAt,
    replaced: present?.device?.id,
  }
}

/** The hub lists `device` with `key` among the account's devices (else the export is for another account or hub). */
const checkRegistered = async (
  creds: { server: string; token: string; user: string },
  device: string,
  key: string,
): Promise<void> => {
  const client = await ChatClient.connect(creds.server, creds.token)
  try {
    const { devices } = await client.request('devices', { user: creds.user })
    const listed = devices.find((d) => d.device === device)
    if (!listed)
      throw e2eErrors.exportWrongAccount(
        `${creds.server} lists no device ${device} for ${creds.user} (it is another hub's, or it was removed)`,
      )
    if (listed.key !== key)
      throw e2eErrors.exportWrongAccount(`${creds.server} lists device ${device} with another key`)
  } finally {
    await client.close()
  }
}

/** Write `bytes` readable by the owner only; without `force`, never over an existing file. */
const writePrivate = async (
  target: string,
  bytes: Uint8Array,
  force: boolean,
  shown: string,
): Promise<void> => {
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`)
  const path = force ? temp : target
  let handle
  try {
    handle = await open(path, 'wx', FILE_MODE)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST' && !force) throw cliErrors.outputExists(shown)
    throw cliErrors.cannotWrite(shown, code ?? String(err))
  }
  try {
    await handle.writeFile(bytes)
    await handle.sync()
    await handle.close()
    // A umask may have narrowed the mode further; it can never have widened it.
    await chmod(path, FILE_MODE)
    if (force) await rename(temp, target)
  } catch (err) {
    await handle.close().catch(() => {})
    await rm(path, { force: true })
    throw cliErrors.cannotWrite(shown, (err as NodeJS.ErrnoException).code ?? String(err))
  }
}

const exists = async (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  )
