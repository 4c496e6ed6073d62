// Saving a download: streamed into a temporary file beside the target, which takes the target's
// name only once every byte is there, so a failed or cut-short download leaves nothing behind and
// never replaces a file half-way.
import { randomBytes } from 'node:crypto'
import { createWriteStream, existsSync, linkSync, renameSync, rmSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { type Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { isChatError } from '#core/errors'
import { cliErrors } from './errors.ts'

export interface SaveOptions {
  /** Replace an existing file; otherwise CHATHUB_FILE_EXISTS, also when one appeared meanwhile. */
  overwrite: boolean
  /** The size the hub announced: fewer bytes is CHATHUB_DOWNLOAD_INCOMPLETE. */
  bytes: number
  /** Called as bytes arrive, with the fraction done. */
  onProgress?: (fraction: number) => void
}

const errnoOf = (err: unknown): NodeJS.ErrnoException =>
  err instanceof Error ? (err as NodeJS.ErrnoException) : new Error(String(err))

/** Write `source` to `file` (see the module comment). */
export const saveStream = async (
  source: Readable,
  file: string,
  options: SaveOptions,
): Promise<void> => {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.part`)
  let written = 0
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      written += chunk.length
      options.onProgress?.(options.bytes > 0 ? Math.min(1, written / options.bytes) : 1)
      done(null, chunk)
    },
  })
  try {
    try {
      await pipeline(source, count, createWriteStream(tmp, { flags: 'wx' }))
    } catch (err) {
      const e = errnoOf(err)
      // The file system's errors name a path; anything else is the connection.
      if (e.path !== undefined) throw cliErrors.fileUnwritable(file, e.code ?? e.message)
      throw cliErrors.downloadIncomplete(basename(file), written, options.bytes)
    }
    if (written !== options.bytes)
      throw cliErrors.downloadIncomplete(basename(file), written, options.bytes)
    place(tmp, file, options.overwrite)
  } finally {
    rmSync(tmp, { force: true })
  }
}

const place = (tmp: string, file: string, overwrite: boolean): void => {
  try {
    if (overwrite) return renameSync(tmp, file)
    try {
      // A hard link fails if the name was taken since the check before the download.
      linkSync(tmp, file)
    } catch (err) {
      if (errnoOf(err).code === 'EEXIST' || existsSync(file)) throw cliErrors.fileExists(file)
      // No hard links on this file system: the check before the download has to do.
      renameSync(tmp, file)
    }
  } catch (err) {
    if (isChatError(err)) throw err
    throw cliErrors.fileUnwritable(file, errnoOf(err).code ?? errnoOf(err).message)
  }
}
