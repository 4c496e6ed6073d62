// `chathub download --room R --message SEQ`: save a message's attachment to a file, streamed to disk
// (a partial download never takes the file's name).
import { Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { roomTargetFlags, targetFlag } from '#cli/room-target'
import type { AttachmentView } from '#core/protocol/messages'

export interface DownloadResult {
  room: string
  seq: number
  attachment: AttachmentView
  /** Where it was saved (absolute). */
  file: string
}

export default class Download extends ChathubCommand {
  static override summary = "save a message's attachment to a file"
  static override description =
    'Saves attachment N of message SEQ (default the first; `chathub history` lists them) byte for byte, ' +
    "to --out (a file, or a folder to save into) or to the attachment's name in the current directory. " +
    'An existing file is kept unless --force is given. Hidden text in an image is read with `chathub reveal`.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --room general --message 42',
    '<%= config.bin %> <%= command.id %> --room general --message 42 --attachment 2 --out ~/slides.pdf --force',
    '<%= config.bin %> <%= command.id %> --dm bob --message 3 --out ~/Downloads --json',
  ]
  static override enableJsonFlag = true
  static override flags = {
    ...roomTargetFlags('room of the message'),
    message: Flags.integer({
      summary: 'sequence number of the message (as `chathub history` shows: #42)',
      required: true,
      min: 1,
      max: Number.MAX_SAFE_INTEGER - 1,
    }),
    attachment: Flags.integer({
      summary: 'which attachment of the message, from 1',
      default: 1,
      min: 1,
    }),
    out: Flags.string({
      summary: "file or folder to write to (default: the attachment's name, here)",
    }),
    force: Flags.boolean({ summary: 'overwrite the file if it exists' }),
  }

  async run(): Promise<DownloadResult> {
    const { flags } = await this.parse(Download)
    const { statSync } = await import('node:fs')
    const { basename, join, resolve } = await import('node:path')
    const { Readable } = await import('node:stream')
    const { requireCredentials } = await import('#cli/credentials')
    const { resolveRoom } = await import('#cli/room-target')
    const { cliErrors } = await import('#cli/errors')
    const { progressLine } = await import('#cli/progress')
    const { saveStream } = await import('#cli/save-file')
    const { formatBytes } = await import('#core/attachments/errors')
    const { streamAttachment } = await import('#core/client/download-stream')
    const { coreErrors } = await import('#core/errors')
    const creds = requireCredentials()
    const room = await resolveRoom(flags)
    const { messageOf, decryptedFile } = await import('#cli/message-of')
    const page = await messageOf(room, flags.message)
    const message = page.message
    if (!message || message.deletedAt !== undefined || message.text === null)
      throw coreErrors.messageNotFound(page.room, flags.message)
    const files = message.attachments ?? []
    const chosen = files[flags.attachment - 1]
    if (!chosen)
      throw cliErrors.noAttachment(page.room, flags.message, flags.attachment, files.length)

    // The name comes from the hub: only its last path part, never "." or "..".
    const safe = basename(chosen.name.replaceAll('\\', '/'))
    const name = safe === '' || safe === '.' || safe === '..' ? chosen.id : safe
    const out =
      flags.out === undefined
        ? name
        : statSync(flags.out, { throwIfNoEntry: false })?.isDirectory()
          ? join(flags.out, name)
          : flags.out
    const file = resolve(out)
    if (!flags.force && statSync(file, { throwIfNoEntry: false }) !== undefined)
      throw cliErrors.fileExists(file)

    const progress = progressLine(!this.jsonEnabled())
    try {
      progress.phase('download')
      // An E2E room's file is decrypted whole (AES-GCM checks it at the end); others stream to disk.
      const download = chosen.e2e
        ? { stream: Readable.from([await decryptedFile(chosen)]), size: chosen.size }
        : await streamAttachment(creds.server, creds.token, chosen.id)
      await saveStream(download.stream, file, {
        overwrite: flags.force,
        bytes: download.size ?? chosen.size,
        onProgress: (f) => progress.onProgress(f, 'download'),
      })
    } finally {
      progress.done()
    }
    this.log(`saved ${chosen.name} (${formatBytes(chosen.size)}) of #${message.seq} to ${file}`)
    if (files.length > 1 && flags.attachment === 1) {
      const again = `chathub download ${targetFlag(flags, page.room)} --message ${message.seq} --attachment 2`
      this.log(`  (#${message.seq} has ${files.length} attachments; the next: \`${again}\`)`)
    }
    return { room: page.room, seq: message.seq, attachment: chosen, file }
  }
}
