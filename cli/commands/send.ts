// `chathub send`: send one message (argument or stdin) and wait for the hub's ack. A client-chosen
// txn makes retries idempotent: the same send retried after a dropped connection is stored once.
import { randomUUID } from 'node:crypto'
import { basename } from 'node:path'
import { Args, Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { cliErrors } from '#cli/errors'
import { plural } from '#cli/format'
import { progressLine } from '#cli/progress'
import { readStdin } from '#cli/prompt'
import { resolveRoom, roomTargetFlags } from '#cli/room-target'
import { downscaleFlag, passphraseFlags, readInput, readPassphrase } from '#cli/stego-input'
import type { AttachmentView } from '#core/protocol/messages'

export interface SendResult {
  room: string
  seq: number
  duplicate: boolean
  txn: string
  notice?: string
  /** With --image: the uploaded attachment. */
  attachment?: AttachmentView
  /** With --hide/--hide-file: bytes hidden in the image (embedded on this machine). */
  hiddenBytes?: number
  /** Members verified on this device whose devices changed since (also on stderr without --json). */
  warnings?: string[]
}

export default class Send extends ChathubCommand {
  static override summary = 'send a message to a room'
  static override description =
    'The text is the arguments, or stdin when there are none. Text starting with "/" is a chat command ' +
    '(e.g. /roll); start it with "//" to send a literal slash. --reply-to SEQ answers a message; --dm USER ' +
    'sends to your direct conversation with USER (opened if needed), as `chathub dm` does.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --room general "hello, world"',
    'uptime | <%= config.bin %> <%= command.id %> --room ops',
    '<%= config.bin %> <%= command.id %> --room general --txn deploy-42 "deployed v42"',
    '<%= config.bin %> <%= command.id %> --room general --reply-to 41 "yes, after lunch"',
    '<%= config.bin %> <%= command.id %> --dm bob "lunch at noon?"',
    '<%= config.bin %> <%= command.id %> --room general --image cat.png "look at this"',
    '<%= config.bin %> <%= command.id %> --room general --image cat.png --hide "meet at noon" --passphrase-file ~/.key',
  ]
  static override enableJsonFlag = true
  static override strict = false
  static override args = { text: Args.string({ description: 'message text (default: stdin)' }) }
  static override flags = {
    ...roomTargetFlags('room to send to'),
    'reply-to': Flags.integer({ summary: 'answer this message (its sequence number, e.g. 41)', min: 1 }),
    txn: Flags.string({
      summary: 'idempotency key: sending again with the same key stores the message once',
    }),
    image: Flags.string({ summary: 'attach this file (an image, or any file); the text defaults to its name' }),
    hide: Flags.string({
      summary: 'hide this text in the --image (embedded here; the hub never sees it or the passphrase)',
      dependsOn: ['image'],
      exclusive: ['hide-file'],
    }),
    'hide-file': Flags.string({ summary: 'hide the text of this file in the --image', dependsOn: ['image'] }),
    ...passphraseFlags,
    downscale: downscaleFlag,
  }

  async run(): Promise<SendResult> {
    const { argv, flags } = await this.parse(Send)
    const { withClient, withClientRetried } = await import('#cli/hub-client')
    let text = argv.map(String).join(' ')
    if (text === '' && flags.image === undefined) text = (await readStdin()).replace(/\r?\n$/, '')
    // --dm with --image: the upload needs the conversation's room first.
    const early =
      flags.image !== undefined && flags.dm !== undefined
        ? await withClient((client) => resolveRoom(flags, { client, open: true }))
        : flags.room
    const attached = flags.image === undefined ? undefined : await this.attach(flags.image, early ?? '', flags)
    if (text.trim() === '' && attached) text = attached.view.name
    if (text.trim() === '') throw cliErrors.messageEmpty()
    const txn = flags.txn ?? randomUUID()
    const attachments = attached ? [attached.view.id] : undefined

    const { VerifiedMembers } = await import('#cli/verified-members')
    const warnings: string[] = []
    const warn = (line: string) => {
      warnings.push(line)
      // One unwrapped line on stderr (this.warn wraps it), so that it is seen and can be grepped.
      this.logToStderr(line)
    }
    let checked = false
    const result = await withClientRetried(async (client, _creds, { e2e, store }) => {
      let notice: string | undefined
      client.on('notice', (f: { text: string }) => {
        notice = f.text
      })
      const room = early ?? (await resolveRoom(flags, { client, open: true }))
      // Once per command: a retry after a dropped connection does not warn again.
      if (!checked) await new VerifiedMembers(client, e2e, store, warn).checkRoom(room)
      checked = true
      const ack = await client.say(room, text, {
        txn,
        ...(flags['reply-to'] === undefined ? {} : { replyTo: flags['reply-to'] }),
        ...(attachments && attached ? { attachments, files: [attached.view] } : {}),
      })
      return {
        room: ack.room,
        seq: ack.seq,
        duplicate: ack.duplicate,
        txn,
        ...(notice ? { notice } : {}),
        ...(attached ? { attachment: attached.view } : {}),
        ...(attached?.hiddenBytes !== undefined ? { hiddenBytes: attached.hiddenBytes } : {}),
        ...(warnings.length > 0 ? { warnings } : {}),
      }
    })
    if (result.notice !== undefined) this.log(result.notice)
    else this.log(`sent #${result.seq} to ${flags.dm ?? result.room}${result.duplicate ? ' (already sent before)' : ''}`)
    if (result.attachment) {
      const hidden = result.hiddenBytes === undefined ? '' : `, ${plural(result.hiddenBytes, 'byte')} hidden in it`
      this.log(`  with ${result.attachment.name} (${plural(result.attachment.size, 'byte')}${hidden})`)
    }
    return result
  }

  /**
   * --image: with --hide/--hide-file, embed on this machine first (the passphrase and the hidden text
   * never leave it; the upload is a PNG that looks like any other), then upload to the room.
   */
  private async attach(
    image: string,
    room: string,
    flags: {
      hide?: string
      'hide-file'?: string
      'passphrase-file'?: string
      'passphrase-env'?: string
      downscale?: string
    },
  ): Promise<{ view: AttachmentView; hiddenBytes?: number }> {
    const { requireCredentials } = await import('#cli/credentials')
    const creds = requireCredentials()
    let bytes = readInput(image)
    let name = basename(image)
    let hiddenBytes: number | undefined
    const warnings: string[] = []
    const progress = progressLine(!this.jsonEnabled())
    try {
      const hidden = flags.hide ?? (flags['hide-file'] === undefined ? undefined : readInput(flags['hide-file']).toString('utf8'))
      if (hidden !== undefined) {
        const { embedInFile } = await import('#plugins/stego/files')
        const { embedWarnings } = await import('#cli/stego-output')
        const passphrase = await readPassphrase(flags, {
          roomKey: creds.roomKeys?.[room],
          confirm: true,
          question: `Passphrase for room ${room}: `,
        })
        const result = await embedInFile(bytes, { kind: 'text', text: hidden }, passphrase, {
          ...(flags.downscale === undefined ? {} : { downscale: Number(flags.downscale) }),
          onProgress: progress.onProgress,
        })
        warnings.push(...embedWarnings({ ...result, safeBytes: result.capacity.safeBytes }))
        bytes = result.png
        name = `${name.replace(/\.[^.]*$/, '')}.png`
        hiddenBytes = result.payloadBytes
      }
      progress.phase('upload')
      // Through the SDK: in an end-to-end encrypted room it encrypts the file first.
      const { withClient } = await import('#cli/hub-client')
      const view = await withClient((client) => client.upload(room, bytes, { name }))
      return { view, ...(hiddenBytes === undefined ? {} : { hiddenBytes }) }
    } finally {
      progress.done()
      for (const w of warnings) this.warn(w)
    }
  }
}
