// The passphrase of a device export (`chathub devices export/import`): from --passphrase-file, the
// CHATHUB_EXPORT_PASSPHRASE environment variable (for scripts), or a prompt without echo. Never a
// plain flag: a command line is visible to every user of the machine.
import { readFileSync } from 'node:fs'
import { Flags } from '#oclif'
import { ask, canPrompt } from '#cli/prompt'
import { cliErrors } from './errors.ts'

export const PASSPHRASE_ENV = 'CHATHUB_EXPORT_PASSPHRASE'

export const exportPassphraseFlags = {
  'passphrase-file': Flags.string({
    summary: `read the passphrase from the first line of this file (or set ${PASSPHRASE_ENV})`,
  }),
}

/**
 * The passphrase: file, then environment, then a prompt (asked twice when `confirm`). `check`
 * refuses one (too short) before it is asked again.
 */
export const readExportPassphrase = async (
  flags: { 'passphrase-file'?: string },
  options: { confirm: boolean; question: string; check?: (passphrase: string) => void },
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> => {
  const file = flags['passphrase-file']
  if (file !== undefined) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error'
      throw cliErrors.fileUnreadable(file, code === 'ENOENT' ? 'no such file' : code)
    }
    const line = text.split(/\r?\n/, 1)[0] ?? ''
    if (line === '') throw cliErrors.passphraseRequired(`${file} starts with an empty line`)
    options.check?.(line)
    return line
  }
  const fromEnv = env[PASSPHRASE_ENV]
  if (fromEnv) {
    options.check?.(fromEnv)
    return fromEnv
  }
  if (!canPrompt()) throw cliErrors.passphraseRequired('No terminal to ask for the passphrase')
  const first = await ask(options.question, { hidden: true })
  if (first === '') throw cliErrors.passphraseRequired('The passphrase is empty')
  options.check?.(first)
  if (options.confirm && (await ask('Repeat it: ', { hidden: true })) !== first)
    throw cliErrors.passphraseMismatch()
  return first
}
