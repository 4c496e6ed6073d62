// This browser's device store for end-to-end encrypted rooms (docs/e2e.md, "In the browser"): the
// device's keys, its groups and what it decrypted, as one JSON document per user@hub in an
// IndexedDB object store — the same document the CLI keeps in its file (core/client/e2e/store.ts).
// The keys never leave this browser. Writes go one after the other, each in a transaction of its
// own with strict durability (on disk before it completes, as the file store's fsync). Only one tab
// uses a device at a time (device-lock.ts): the document is read once and then kept in memory.
import { e2eErrors } from '#core/client/e2e/errors'
import {
  type DeviceStoreData,
  DocumentDeviceStore,
  emptyStoreData,
  storeDataChecker,
} from '#core/client/e2e/store'

const DATABASE = 'chathub-e2e'
const VERSION = 1
/** Documents by key, `user@host`. */
const DEVICES = 'devices'

/** A transaction on the devices object store (IndexedDB's, not SQLite's: the lint rule is about the hub's database). */
const devices = (db: IDBDatabase, mode: IDBTransactionMode): IDBTransaction =>
  // eslint-disable-next-line no-restricted-syntax -- IndexedDB, see above
  db.transaction(DEVICES, mode, mode === 'readwrite' ? { durability: 'strict' } : {})

/** The browser's IndexedDB request as a promise. */
const done = <T>(request: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'))
  })

const openDatabase = (): Promise<IDBDatabase> =>
  new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, VERSION)
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(DEVICES)) request.result.createObjectStore(DEVICES)
    }
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error ?? new Error('IndexedDB cannot be opened'))
    // Another tab holds an older version open: it closes on versionchange (below), so this waits.
    request.onblocked = () => {}
  })

export class IndexedDbDeviceStore extends DocumentDeviceStore {
  /** The document as last read or written (this tab is its only writer while it holds the device lock). */
  private cached: DeviceStoreData | undefined
  /** Writes of this tab, one after the other. */
  private writing: Promise<unknown> = Promise.resolve()

  private constructor(
    private readonly db: IDBDatabase,
    /** `user@host`: one device per account and hub in this browser. */
    readonly key: string,
  ) {
    super()
    // A newer version of the page wants to upgrade the database: let it.
    db.onversionchange = () => db.close()
  }

  static async open(key: string): Promise<IndexedDbDeviceStore> {
    return new IndexedDbDeviceStore(await openDatabase(), key)
  }

  protected async read(): Promise<DeviceStoreData> {
    return structuredClone(await this.current())
  }

  protected update(change: (data: DeviceStoreData) => void): Promise<void> {
    const write = this.writing.then(async () => {
      const data = structuredClone(await this.current())
      change(data)
      await this.write(data)
      this.cached = data
    })
    this.writing = write.catch(() => {})
    return write
  }

  private async current(): Promise<DeviceStoreData> {
    this.cached ??= await this.load()
    return this.cached
  }

  private async load(): Promise<DeviceStoreData> {
    const value: unknown = await done(devices(this.db, 'readonly').objectStore(DEVICES).get(this.key))
    if (value === undefined) return emptyStoreData()
    if (!storeDataChecker.check(value)) {
      throw e2eErrors.stateInvalid(`IndexedDB ${DATABASE}/${this.key}: ${storeDataChecker.problems().slice(0, 3).join('; ')}`)
    }
    return value
  }

  private write(data: DeviceStoreData): Promise<void> {
    return new Promise((resolve, reject) => {
      const tx = devices(this.db, 'readwrite')
      tx.objectStore(DEVICES).put(data, this.key)
      tx.oncomplete = () => resolve()
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB write failed'))
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB write aborted'))
    })
  }

  /** Stop using the database (logout); nothing is deleted. */
  close(): void {
    this.db.close()
  }
}
