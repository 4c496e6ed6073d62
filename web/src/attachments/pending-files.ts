// The files picked for the next message. They upload when the message is sent, not when picked: until
// then a picture may still change in the browser (a hidden message put into it), and the hub never
// sees the version that was not sent. Each upload shows its progress and can be cancelled; one that
// failed keeps the hub's reason (and code) until it is removed; one that was uploaded is not sent twice.
// For an end-to-end encrypted room the file is encrypted here first (by the SDK's E2E session) and
// only the ciphertext goes up, under a name that says nothing.
import { useEffect, useRef, useState } from 'preact/hooks'
import { isChatError } from '#core/errors'
import type { AttachmentView } from '#core/protocol/messages'
import type { Encrypter } from '../e2e/tab-e2e.ts'

/** A message carries at most this many files (the `say` frame's limit). */
export const MAX_FILES = 10

export interface PendingFile {
  key: number
  file: File
  state: 'ready' | 'uploading' | 'uploaded' | 'failed'
  /** While uploading: bytes sent of `total`. */
  sent: number
  total: number
  /** Once uploaded: to which room (an upload belongs to its room), and what the hub made of it. */
  uploaded?: { room: string; view: AttachmentView }
  /** Why it failed: the hub's message and code. */
  error?: string
}

export interface PendingFiles {
  files: PendingFile[]
  /** Why some files were not added (the limit per message). */
  notice: string | undefined
  add(files: Iterable<File>): void
  /** Drop a file; one uploading is cancelled. */
  remove(key: number): void
  /** Send another file in its place (a picture with a hidden message); it uploads afresh. */
  replace(key: number, file: File): void
  /**
   * Upload every file not uploaded to `room` yet (encrypted with `encrypt` first, in an encrypted
   * room): all their views, or undefined when one failed (it says why) or was cancelled. Files
   * uploaded stay uploaded for the next try.
   */
  upload(room: string, encrypt?: Encrypter): Promise<AttachmentView[] | undefined>
  clear(): void
}

const errorText = (err: unknown): string => (isChatError(err) ? `${err.message} (${err.code})` : String(err))

let nextKey = 1

export const usePendingFiles = (): PendingFiles => {
  const [files, setFiles] = useState<PendingFile[]>([])
  const [notice, setNotice] = useState<string>()
  const uploads = useRef(new Map<number, AbortController>())
  // Leaving (logging out): nothing keeps uploading.
  useEffect(() => () => {
    for (const control of uploads.current.values()) control.abort()
  }, [])
  const patch = (key: number, change: Partial<PendingFile>) =>
    setFiles((all) => all.map((f) => (f.key === key ? { ...f, ...change } : f)))

  const uploadOne = async (f: PendingFile, room: string, encrypt: Encrypter | undefined): Promise<AttachmentView | 'failed' | 'cancelled'> => {
    if (f.uploaded?.room === room) return f.uploaded.view
    const control = new AbortController()
    uploads.current.set(f.key, control)
    patch(f.key, { state: 'uploading', sent: 0, total: f.file.size, error: undefined })
    try {
      const { prepare, upload } = await import('./upload.ts')
      const body = await prepare(f.file)
      const send = (blob: Blob, name: string, type: string) =>
        upload(room, blob, { name, type, signal: control.signal, onProgress: (sent, total) => patch(f.key, { sent, total }) })
      // The real name and type travel inside the encrypted message (the SDK's session sniffs the type).
      const view = encrypt
        ? await encrypt(new Uint8Array(await body.arrayBuffer()), f.file.name, (sealed) =>
            send(new Blob([new Uint8Array(sealed)]), 'encrypted.bin', 'application/octet-stream'),
          )
        : await send(body, f.file.name, f.file.type)
      patch(f.key, { state: 'uploaded', uploaded: { room, view } })
      return view
    } catch (err) {
      if (control.signal.aborted) return 'cancelled'
      patch(f.key, { state: 'failed', error: errorText(err) })
      return 'failed'
    } finally {
      uploads.current.delete(f.key)
    }
  }

  return {
    files,
    notice,
    add(picked) {
      const list = [...picked]
      const free = Math.max(0, MAX_FILES - files.length)
      setNotice(list.length > free ? `A message carries at most ${MAX_FILES} files; ${list.length - free} not added.` : undefined)
      const added = list.slice(0, free).map((file): PendingFile => ({ key: nextKey++, file, state: 'ready', sent: 0, total: file.size }))
      setFiles((all) => [...all, ...added])
    },
    remove(key) {
      uploads.current.get(key)?.abort()
      setFiles((all) => all.filter((f) => f.key !== key))
      setNotice(undefined)
    },
    replace(key, file) {
      uploads.current.get(key)?.abort()
      setFiles((all) => all.map((f) => (f.key === key ? { key, file, state: 'ready', sent: 0, total: file.size } : f)))
    },
    async upload(room, encrypt) {
      const results = await Promise.all(files.map((f) => uploadOne(f, room, encrypt)))
      return results.every((r) => typeof r !== 'string') ? results : undefined
    },
    clear() {
      for (const control of uploads.current.values()) control.abort()
      setFiles([])
      setNotice(undefined)
    },
  }
}
