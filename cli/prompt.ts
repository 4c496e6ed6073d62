// Reading what the user types: passwords without echo on a terminal, a line of input, or all of stdin.
// Prompts go to stderr so that stdout stays clean for --json and pipes.
import { cliErrors } from './errors.ts'

/** True when a person can answer a prompt (stdin and stderr are terminals). */
export const canPrompt = (): boolean => Boolean(process.stdin.isTTY && process.stderr.isTTY)

/** Everything on stdin, as text (empty when stdin is a terminal: nothing was piped). */
export const readStdin = async (): Promise<string> => {
  if (process.stdin.isTTY) return ''
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  return Buffer.concat(chunks).toString('utf8')
}

/** The first line of stdin, for --password-stdin (like `docker login --password-stdin`). */
export const readSecretFromStdin = async (): Promise<string> => {
  const text = await readStdin()
  return text.split(/\r?\n/, 1)[0] ?? ''
}

/** Ask on the terminal; `hidden` turns echo off (raw mode) for passwords. */
export const ask = (question: string, options: { hidden?: boolean } = {}): Promise<string> => {
  const input = process.stdin
  const out = process.stderr
  return new Promise((resolve, reject) => {
    let value = ''
    const finish = (err?: Error) => {
      input.off('data', onData)
      input.setRawMode(false)
      input.pause()
      out.write('\n')
      if (err) reject(err)
      else resolve(value)
    }
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish()
        if (ch === '\u0003') return finish(cliErrors.cancelled())
        if (ch === '\u007f' || ch === '\b') {
          if (value.length > 0) {
            value = value.slice(0, -1)
            if (!options.hidden) out.write('\b \b')
          }
          continue
        }
        if (ch < ' ') continue
        value += ch
        if (!options.hidden) out.write(ch)
      }
    }
    out.write(question)
    input.setRawMode(true)
    input.resume()
    input.on('data', onData)
  })
}

/**
 * A new password: from stdin with --password-stdin, else asked twice on the terminal without echo.
 * With neither (a script without --password-stdin) it fails rather than hang.
 */
export const newPassword = async (fromStdin: boolean, who: string): Promise<string> => {
  if (fromStdin) return readSecretFromStdin()
  if (!canPrompt()) throw cliErrors.passwordRequired()
  const first = await ask(`New password for ${who}: `, { hidden: true })
  const second = await ask('Repeat it: ', { hidden: true })
  if (first !== second) throw cliErrors.passwordMismatch()
  return first
}

/** An existing password (login): from stdin with --password-stdin, else asked once without echo. */
export const existingPassword = async (fromStdin: boolean, question: string): Promise<string> => {
  if (fromStdin) return readSecretFromStdin()
  if (!canPrompt()) throw cliErrors.passwordRequired()
  return ask(question, { hidden: true })
}
