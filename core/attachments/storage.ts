// Attachment bytes on disk: <dataDir>/attachments/<ab>/<sha256>, content-addressed, written to a
// temp file first and renamed into place. Every path is built from a hex digest or a random name:
// nothing the client sends ever reaches the filesystem.
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync, mkdirSync, type ReadStream } from 'node:fs'
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { attachmentErrors } from './errors.ts'

export interface Received {
  /** Temp file holding the body; remove it with `discard` or move it with `adopt`. */
  tmp: string
  size: number
  sha256: string
  /** The first bytes, for sniffing. */
  head: Buffer
}

const HEAD_BYTES = 4096
const HEX = /^[0-9a-f]{64}$/

export class AttachmentStore {
  private readonly tmpDir: string

  constructor(readonly dir: string) {
    this.tmpDir = join(dir, 'tmp')
    mkdirSync(this.tmpDir, { recursive: true, mode: 0o700 })
  }

  /** Where the file of a digest lives (the digest is checked to be hex: no traversal possible). */
  pathOf(sha256: string, kind: 'file' | 'thumb' = 'file'): string {
    if (!HEX.test(sha256)) throw new Error('not a sha256 digest')
    return join(this.dir, kind === 'file' ? sha256.slice(0, 2) : 'thumbs', sha256)
  }

  has(sha256: string, kind: 'file' | 'thumb' = 'file'): boolean {
    return existsSync(this.pathOf(sha256, kind))
  }

  /**
   * Stream a request body into a temp file, hashing as it goes. More than `maxBytes` aborts with
   * CHATHUB_ATTACHMENT_TOO_LARGE as soon as the limit is crossed: at most one chunk past it is read.
   */
  async receive(body: Readable, maxBytes: number): Promise<Received> {
    const tmp = join(this.tmpDir, randomBytes(12).toString('hex'))
    const out = createWriteStream(tmp, { mode: 0o600 })
    const hash = createHash('sha256')
    const head: Buffer[] = []
    let headLength = 0
    let size = 0
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        size += chunk.length
        if (size > maxBytes) throw attachmentErrors.tooLarge(maxBytes)
        hash.update(chunk)
        if (headLength < HEAD_BYTES) {
          head.push(chunk.subarray(0, HEAD_BYTES - headLength))
          headLength += Math.min(chunk.length, HEAD_BYTES - headLength)
        }
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
      }
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())))
    } catch (err) {
      out.destroy()
      await rm(tmp, { force: true })
      throw err
    }
    return { tmp, size, sha256: hash.digest('hex'), head: Buffer.concat(head) }
  }

  readTmp(received: Received): Promise<Buffer> {
    return readFile(received.tmp)
  }

  async discard(received: Received): Promise<void> {
    await rm(received.tmp, { force: true })
  }

  /** Move a received temp file to its content address (or drop it when the same bytes are stored). */
  async adopt(received: Received): Promise<void> {
    const target = this.pathOf(received.sha256)
    if (existsSync(target)) return this.discard(received)
    mkdirSync(join(target, '..'), { recursive: true, mode: 0o700 })
    await rename(received.tmp, target)
  }

  /** Store bytes at their content address; returns the hex digest. */
  async put(bytes: Buffer, kind: 'file' | 'thumb' = 'file'): Promise<string> {
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const target = this.pathOf(sha256, kind)
    if (existsSync(target)) return sha256
    mkdirSync(join(target, '..'), { recursive: true, mode: 0o700 })
    const tmp = join(this.tmpDir, randomBytes(12).toString('hex'))
    await writeFile(tmp, bytes, { mode: 0o600 })
    await rename(tmp, target)
    return sha256
  }

  /** A read stream of a stored file, and its size on disk. */
  async open(sha256: string, kind: 'file' | 'thumb' = 'file'): Promise<{ stream: ReadStream; size: number }> {
    const path = this.pathOf(sha256, kind)
    const handle = await open(path, 'r')
    const { size } = await handle.stat()
    return { stream: createReadStream(path, { fd: handle }), size }
  }
}
