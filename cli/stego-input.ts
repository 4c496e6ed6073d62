// What the stego commands read from the user: the passphrase (file, environment variable, stored
// room key or a prompt without echo; never a plain flag) and the payload to hide.
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { Flags } from '#oclif'
import { ask, canPrompt } from '#cli/prompt'
import type { Payload } from '#plugins/stego/codec'
import { stegoCliErrors } from './stego-errors.ts'

export const passphraseFlags = {
  'passphrase-file': Flags.string({
    summary: 'read the passphrase from the first line of this file',
    helpGroup: 'PASSPHRASE',
  }),
  'passphrase-env': Flags.string({
    summary: 'read the passphrase from this environment variable (give its name, not the passphrase)',
    helpGroup: 'PASSPHRASE',
  }),
}

export interface PassphraseSource {
  'passphrase-file'?: string
  'passphrase-env'?: string
}

/** A file's bytes, or STEGO_FILE_UNREADABLE naming it. */
export const readInput = (file: string): Buffer => {
  try {
    return readFileSync(file)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error'
    throw stegoCliErrors.fileUnreadable(file, code === 'ENOENT' ? 'no such file' : code)
  }
}

/**
 * The passphrase, in this order: --passphrase-file, --passphrase-env, the room key kept by
 * `chathub stego key set`, a prompt (twice when `confirm`, so a typo cannot lose a message).
 */
export const readPassphrase = async (
  flags: PassphraseSource,
  options: { confirm?: boolean; roomKey?: string; question?: string } = {},
): Promise<string> => {
  if (flags['passphrase-file'] !== undefined) {
    const line = readInput(flags['passphrase-file']).toString('utf8').split(/\r?\n/, 1)[0] ?? ''
    if (line === '') throw stegoCliErrors.passphraseRequired(`${flags['passphrase-file']} starts with an empty line`)
    return line
  }
  if (flags['passphrase-env'] !== undefined) {
    const value = process.env[flags['passphrase-env']]
    if (!value) throw stegoCliErrors.passphraseRequired(`$${flags['passphrase-env']} is empty or not set`)
    return value
  }
  if (options.roomKey) return options.roomKey
  if (!canPrompt()) throw stegoCliErrors.passphraseRequired('No terminal to ask for the passphrase')
  const first = await ask(options.question ?? 'Passphrase: ', { hidden: true })
  if (first === '') throw stegoCliErrors.passphraseRequired('The passphrase is empty')
  if (options.confirm && (await ask('Repeat it: ', { hidden: true })) !== first) throw stegoCliErrors.passphraseMismatch()
  return first
}

/** --message TEXT, --message-file F (its text) or --file F (the file itself, with its name). */
export const readPayload = (flags: { message?: string; 'message-file'?: string; file?: string }): Payload => {
  if (flags.file !== undefined) return { kind: 'file', name: basename(flags.file), data: readInput(flags.file) }
  if (flags['message-file'] !== undefined) return { kind: 'text', text: readInput(flags['message-file']).toString('utf8') }
  return { kind: 'text', text: flags.message ?? '' }
}

/** A downscale factor flag value, checked by the codec (0 < f < 1). */
export const downscaleFlag = Flags.string({
  summary: 'resample the cover by this factor first (e.g. 0.75): the remedy for JPEG covers',
  description:
    'A decoded JPEG keeps its 8×8 block grid, and ±1 changes to it are detectable; resampling by a ' +
    'non-integer factor scatters the grid. See docs/stego.md.',
})
