// Attachment bytes on disk: <dataDir>/attachments/<ab>/<sha256> (thumbnails in thumbs/), content-
// addressed, written to tmp/ first and moved into place inside the row's transaction (queries.ts
// commitUpload) so that the sweep can never delete a file an upload is committing. Every path is
// built from a hex digest or a random name: nothing the client sends ever reaches the filesystem.
import { createHash, randomBytes } from 'node:crypto'
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  type ReadStream,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs'
import { open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { attachmentErrors } from './errors.ts'

export type FileKind = 'file' | 'thumb'

/** Bytes in a temp file, hashed, waiting to be placed at their content address (or discarded). */
export interface Staged {
  tmp: string
  size: number
  sha256: string
}

export interface Received extends Staged {
  /** The first bytes, for sniffing. */
  head: Buffer
}

const HEAD_BYTES = 4096
const HEX = /^[0-9a-f]{64}$/
const SHARD = /^[0-9a-f]{2}$/

export class AttachmentStore {
  readonly tmpDir: string
  /** Temp files this process is writing or about to place: the sweep leaves them alone. */
  private readonly busy = new Set<string>()

  constructor(readonly dir: string) {
    this.tmpDir = join(dir, 'tmp')
    mkdirSync(this.tmpDir, { recursive: true, mode: 0o700 })
  }

  /** Where the file of a digest lives (the digest is checked to be hex: no traversal possible). */
  pathOf(sha256: string, kind: FileKind = 'file'): string {
    if (!HEX.test(sha256)) throw new Error('not a sha256 digest')
    return join(this.dir, kind === 'file' ? sha256.slice(0, 2) : 'thumbs', sha256)
  }

  has(sha256: string, kind: FileKind = 'file'): boolean {
    return existsSync(this.pathOf(sha256, kind))
  }

  /** Whether a temp file (by its name in tmp/) belongs to an upload in progress in this process. */
  isBusy(name: string): boolean {
    return this.busy.has(join(this.tmpDir, name))
  }

  private newTmp(): string {
    const tmp = join(this.tmpDir, randomBytes(12).toString('hex'))
    this.busy.add(tmp)
    return tmp
  }

  /**
   * Stream a request body into a temp file, hashing as it goes. More than `maxBytes` aborts with
   * CHATHUB_ATTACHMENT_TOO_LARGE as soon as the limit is crossed: at most one chunk past it is read.
   * `onChunk` sees each chunk's length before it is written and may throw to refuse the upload (the
   * quota); any failure removes the temp file. A refusal stops reading but leaves the request open, so
   * that the error response reaches the client before the connection is closed.
   */
  async receive(body: Readable, maxBytes: number, onChunk?: (bytes: number) => void): Promise<Received> {
    const tmp = this.newTmp()
    const out = createWriteStream(tmp, { mode: 0o600 })
    // A write error (disk full) is kept and thrown from the loop, never left unhandled on the stream.
    let writeError: Error | undefined
    out.on('error', (err) => (writeError ??= err))
    const hash = createHash('sha256')
    const head: Buffer[] = []
    let headLength = 0
    let size = 0
    try {
      // Not destroyed on a refusal: the socket must live to carry the error (see refuseBody in routes.ts).
      for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
        size += chunk.length
        if (size > maxBytes) throw attachmentErrors.tooLarge(maxBytes)
        onChunk?.(chunk.length)
        hash.update(chunk)
        if (headLength < HEAD_BYTES) {
          head.push(chunk.subarray(0, HEAD_BYTES - headLength))
          headLength += Math.min(chunk.length, HEAD_BYTES - headLength)
        }
        if (writeError) throw writeError
        if (!out.write(chunk)) {
          await new Promise<void>((resolve) => {
            out.once('drain', resolve)
            out.once('close', resolve)
          })
        }
      }
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())))
      if (writeError) throw writeError
    } catch (err) {
      // Wait for the descriptor to close: the file may be created by an open still in flight.
      if (!out.closed) await new Promise<void>((resolve) => out.once('close', resolve).destroy())
      await rm(tmp, { force: true })
      this.busy.delete(tmp)
      throw err
    }
    return { tmp, size, sha256: hash.digest('hex'), head: Buffer.concat(head) }
  }

  readTmp(staged: Staged): Promise<Buffer> {
    return readFile(staged.tmp)
  }

  /** Write bytes to a temp file, to be placed with `place` (inside the row's transaction). */
  async stage(bytes: Buffer): Promise<Staged> {
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const tmp = this.newTmp()
    try {
      await writeFile(tmp, bytes, { mode: 0o600 })
    } catch (err) {
      await this.discard({ tmp, size: 0, sha256 })
      throw err
    }
    return { tmp, size: bytes.length, sha256 }
  }

  /** Remove a temp file (a no-op once `place` moved it). */
  async discard(staged: Staged): Promise<void> {
    await rm(staged.tmp, { force: true })
    this.busy.delete(staged.tmp)
  }

  /**
   * Move a staged file to its content address, or drop it when the same bytes are already there.
   * Synchronous on purpose: it runs inside the SQLite write transaction that inserts the row.
   */
  place(staged: Staged, kind: FileKind = 'file'): void {
    const target = this.pathOf(staged.sha256, kind)
    if (existsSync(target)) rmSync(staged.tmp, { force: true })
    else {
      mkdirSync(join(target, '..'), { recursive: true, mode: 0o700 })
      renameSync(staged.tmp, target)
    }
    this.busy.delete(staged.tmp)
  }

  /** Delete a stored file; returns the bytes freed (undefined when it was already gone). Synchronous: see `place`. */
  remove(sha256: string, kind: FileKind): number | undefined {
    const path = this.pathOf(sha256, kind)
    let size: number
    try {
      size = statSync(path).size
    } catch {
      return undefined
    }
    rmSync(path, { force: true })
    return size
  }

  /** Every stored file's digest, by kind (names that are not digests are never listed, never touched). */
  async list(): Promise<{ files: string[]; thumbs: string[] }> {
    const files: string[] = []
    for (const shard of await readdirOrEmpty(this.dir)) {
      if (!SHARD.test(shard)) continue
      for (const name of await readdirOrEmpty(join(this.dir, shard))) {
        if (HEX.test(name) && name.startsWith(shard)) files.push(name)
      }
    }
    const thumbs = (await readdirOrEmpty(join(this.dir, 'thumbs'))).filter((name) => HEX.test(name))
    return { files, thumbs }
  }

  /** Temp files with their last write time (ms), for the sweep of abandoned uploads. */
  async listTmp(): Promise<{ name: string; mtimeMs: number; size: number }[]> {
    const out: { name: string; mtimeMs: number; size: number }[] = []
    for (const name of await readdirOrEmpty(this.tmpDir)) {
      const info = await stat(join(this.tmpDir, name)).catch(() => undefined)
      if (info?.isFile()) out.push({ name, mtimeMs: info.mtimeMs, size: info.size })
    }
    return out
  }

  /** Remove an abandoned temp file (a name `listTmp` gave); returns the bytes freed, undefined when gone. */
  async removeTmp(name: string): Promise<number | undefined> {
    const path = join(this.tmpDir, name)
    const info = await stat(path).catch(() => undefined)
    if (!info) return undefined
    await rm(path, { force: true })
    return info.size
  }

  /** A read stream of a stored file, and its size on disk. */
  async open(sha256: string, kind: FileKind = 'file'): Promise<{ stream: ReadStream; size: number }> {
    const path = this.pathOf(sha256, kind)
    const handle = await open(path, 'r')
    const { size } = await handle.stat()
    return { stream: createReadStream(path, { fd: handle }), size }
  }
}

const readdirOrEmpty = async (dir: string): Promise<string[]> => {
  try {
    return await readdir(dir)
  } catch {
    return []
  }
}
