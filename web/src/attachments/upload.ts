// One file's way to the hub: its metadata stripped here, in the browser (the same module the hub runs
// on every upload, core/attachments/metadata-strip.ts: EXIF, GPS and text go, the pixels are copied
// byte for byte), then POST /api/v1/rooms/:room/attachments with XMLHttpRequest, the one browser API
// that reports upload progress. Loaded on the first upload, so it is not in the initial JS.
import { attachmentErrors } from '#core/attachments/errors'
import { containerOf, stripMetadata } from '#core/attachments/metadata-strip'
import { csrfHeader } from '#core/client/platform'
import { failure } from '#core/client/sdk'
import { coreErrors } from '#core/errors'
import type { AttachmentView } from '#core/protocol/messages'
import { hub } from '../session.ts'

/** What to upload for a file: an image (PNG, JPEG, WebP by its bytes) without its metadata, anything else as it is. */
export const prepare = async (file: File): Promise<Blob> => {
  const mime = containerOf(new Uint8Array(await file.slice(0, 12).arrayBuffer()))
  if (mime === undefined) return file
  const stripped = stripMetadata(mime, new Uint8Array(await file.arrayBuffer()))
  // A damaged image: the hub would refuse it with this code, and its metadata never leaves the browser.
  if (!stripped.ok) throw attachmentErrors.imageInvalid(stripped.why)
  return new Blob([stripped.bytes as Uint8Array<ArrayBuffer>], { type: file.type })
}

export interface UploadOptions {
  /** The file's name (the hub keeps a sanitised one). */
  name: string
  /** The file's type as the browser guesses it; the hub sniffs the bytes anyway. */
  type: string
  signal: AbortSignal
  onProgress: (sent: number, total: number) => void
}

/**
 * Upload `body` to `room` with the session cookie and the CSRF header. Rejects with the hub's
 * ChatError (CHATHUB_ATTACHMENT_QUOTA_EXCEEDED, ..._TOO_LARGE, ...), CHATHUB_SERVER_UNREACHABLE, or an
 * AbortError when `signal` aborts.
 */
export const upload = (room: string, body: Blob, options: UploadOptions): Promise<AttachmentView> =>
  new Promise((resolve, reject) => {
    if (options.signal.aborted) return void reject(new DOMException('The upload was cancelled.', 'AbortError'))
    const url = new URL(`/api/v1/rooms/${encodeURIComponent(room)}/attachments`, hub())
    url.searchParams.set('name', options.name)
    const xhr = new XMLHttpRequest()
    xhr.open('POST', url)
    xhr.withCredentials = true
    xhr.setRequestHeader('content-type', options.type === '' ? 'application/octet-stream' : options.type)
    for (const [name, value] of Object.entries(csrfHeader())) xhr.setRequestHeader(name, value)
    xhr.upload.onprogress = (e) => options.onProgress(e.loaded, e.lengthComputable ? e.total : body.size)
    xhr.onload = () => {
      const json = async (): Promise<unknown> => JSON.parse(xhr.responseText)
      if (xhr.status >= 200 && xhr.status < 300) json().then((view) => resolve(view as AttachmentView), reject)
      else void failure({ status: xhr.status, json }).then(reject)
    }
    xhr.onerror = () => reject(coreErrors.serverUnreachable(hub()))
    xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'))
    options.signal.addEventListener('abort', () => xhr.abort(), { once: true })
    xhr.send(body)
  })
