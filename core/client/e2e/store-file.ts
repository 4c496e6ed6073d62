// A device's key store as one JSON file (Node only: the CLI keeps it beside its credentials file).
// It holds private keys, so: mode 0600 in a folder made 0700, and every write goes to a temporary
// file renamed over the old one, so that a crash leaves the old store or the new, never half of one.
// A lock file keeps two chathub processes of the same device from writing at once. A store marked
// moved (its device was exported to another machine, `chathub devices export`) has no device to
// use: it reads as empty and refuses every write.
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { e2eErrors } from './errors.ts'
import {
  type DeviceStoreData,
  DocumentDeviceStore,
  type MovedMarker,
  emptyStoreData,
  storeDataChecker,
} from './store.ts'

const FILE_MODE = 0o600
const DIR_MODE = 0o700
/** How long a write waits for another process's lock, and when a lock is presumed abandoned. */
const LOCK_WAIT_MS = 5_000
const LOCK_STALE_MS = 30_000
const LOCK_RETRY_MS = 20

export class FileDeviceStore extends DocumentDeviceStore {
  /** The document as last read or written, and the file version it came from (inode, size, mtime). */
  private cached: { version: string; data: DeviceStoreData } | undefined
  /** Writes of this process, one after the other. */
  private writing: Promise<unknown> = Promise.resolve()

  constructor(readonly file: string) {
    super()
  }

  /**
   * A moved store reads as an empty one (the home has no device: clear rooms work as for anyone),
   * and refuses every write (E2E_DEVICE_MOVED), so whatever would make or use a device there stops.
   */
  protected async read(): Promise<DeviceStoreData> {
    const data = await this.current()
    return data.moved ? emptyStoreData() : structuredClone(data)
  }

  protected update(change: (data: DeviceStoreData) => void): Promise<void> {
    return this.exclusive(async () => {
      // Read again under the lock: another process may have written since.
      const data = structuredClone(this.usable(await this.current()))
      change(data)
      await this.write(data)
    })
  }

  /**
   * The whole document as it is in the file (`undefined` when there is none), moved or not:
   * what `chathub devices export` seals and `devices import` checks before replacing it.
   */
  async snapshot(): Promise<DeviceStoreData | undefined> {
    return (await this.version()) === undefined ? undefined : structuredClone(await this.current())
  }

  /**
   * Mark the store moved, provided it still is `exported` (E2E_STORE_CHANGED otherwise: another
   * chathub process wrote meanwhile, so the export is already behind). From then on it refuses
   * every use (E2E_DEVICE_MOVED) until it is deleted or replaced.
   */
  markMoved(exported: DeviceStoreData, marker: MovedMarker): Promise<void> {
    return this.exclusive(async () => {
      const data = this.usable(await this.current())
      if (JSON.stringify(data) !== JSON.stringify(exported)) throw e2eErrors.storeChanged(this.file)
      await this.write({ ...structuredClone(data), moved: { ...marker } })
    })
  }

  /** Replace the whole document (`chathub devices import`), whatever the file held. */
  replace(data: DeviceStoreData): Promise<void> {
    return this.exclusive(() => this.write(structuredClone(data)))
  }

  /** Run `fn` under the lock, after this process's earlier writes. */
  private exclusive(fn: () => Promise<void>): Promise<void> {
    const write = this.writing.then(() => this.locked(fn))
    this.writing = write.catch(() => {})
    return write
  }

  private usable(data: DeviceStoreData): DeviceStoreData {
    if (data.moved) throw e2eErrors.deviceMoved(this.file, data.moved.at)
    return data
  }

  /** The document in the file, re-read only when the file changed (every write makes a new inode). */
  private async current(): Promise<DeviceStoreData> {
    const version = await this.version()
    if (version === undefined) return emptyStoreData()
    if (this.cached?.version === version) return this.cached.data
    const data = parse(this.file, await readFile(this.file, 'utf8'))
    this.cached = { version, data }
    return data
  }

  private async version(): Promise<string | undefined> {
    try {
      const s = await stat(this.file, { bigint: true })
      return `${s.ino}:${s.size}:${s.mtimeNs}`
    } catch (err) {
      if (isNotFound(err)) return undefined
      throw err
    }
  }

  private async write(data: DeviceStoreData): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: DIR_MODE })
    const temp = `${this.file}.${randomBytes(6).toString('hex')}.tmp`
    const handle = await open(temp, 'wx', FILE_MODE)
    try {
      await handle.writeFile(JSON.stringify(data, null, 1) + '\n')
      // The rename must not reach the disk before the data it points at.
      await handle.sync()
    } finally {
      await handle.close()
    }
    try {
      // A umask may have narrowed the mode further; it can never have widened it.
      await chmod(temp, FILE_MODE)
      await rename(temp, this.file)
    } catch (err) {
      await rm(temp, { force: true })
      throw err
    }
    const version = await this.version()
    this.cached = version === undefined ? undefined : { version, data }
  }

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    const lock = `${this.file}.lock`
    await mkdir(dirname(this.file), { recursive: true, mode: DIR_MODE })
    const deadline = Date.now() + LOCK_WAIT_MS
    for (;;) {
      try {
        await (await open(lock, 'wx', FILE_MODE)).close()
        break
      } catch (err) {
        if (!isAlreadyThere(err)) throw err
        if (await isStale(lock)) await rm(lock, { force: true })
        else if (Date.now() > deadline) throw e2eErrors.storeBusy(this.file)
        else await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS))
      }
    }
    try {
      return await fn()
    } finally {
      await rm(lock, { force: true })
    }
  }
}

const parse = (file: string, text: string): DeviceStoreData => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw e2eErrors.stateInvalid(`${file} is not JSON`, err)
  }
  if (!storeDataChecker.check(value)) {
    throw e2eErrors.stateInvalid(`${file}: ${storeDataChecker.problems().slice(0, 3).join('; ')}`)
  }
  return value
}

/** A lock older than any write takes: its process died holding it. */
const isStale = async (lock: string): Promise<boolean> => {
  try {
    return Date.now() - (await stat(lock)).mtimeMs > LOCK_STALE_MS
  } catch (err) {
    if (isNotFound(err)) return false // released meanwhile: try again
    throw err
  }
}

const errnoOf = (err: unknown): string | undefined =>
  err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined
const isNotFound = (err: unknown): boolean => errnoOf(err) === 'ENOENT'
const isAlreadyThere = (err: unknown): boolean => errnoOf(err) === 'EEXIST'
