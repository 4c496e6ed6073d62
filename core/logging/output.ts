// Where the hub's log goes: a file (log.file, JSON lines), or stderr — readable lines on a terminal,
// JSON lines otherwise (journald, docker, a pipe to jq). stdout stays for what `chathub serve` says to
// the person who started it.
import { Writable } from 'node:stream'
import pino, { type DestinationStream } from 'pino'

/** Pino's numeric levels. */
const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
}
/** Fields every line has, shown by the line's layout rather than as `key=value`. */
const LAYOUT = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'err'])

export interface LogOutputOptions {
  /** log.file: "" for stderr. */
  file: string
  /** Default process.stderr. */
  stderr?: NodeJS.WriteStream
}

/** The stream pino writes the hub's log lines to. */
export const logOutput = (options: LogOutputOptions): DestinationStream => {
  if (options.file !== '')
    return pino.destination({ dest: options.file, append: true, mkdir: true, sync: true })
  const stderr = options.stderr ?? process.stderr
  return stderr.isTTY ? readableLog(stderr) : stderr
}

/** Turns pino's JSON lines into readable ones on `out`. */
export const readableLog = (out: NodeJS.WritableStream): Writable =>
  new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const lines = String(chunk)
        .split('\n')
        .filter((l) => l !== '')
      out.write(lines.map(readableLine).join(''))
      done()
    },
  })

/**
 * `12:04:31 INFO  plugin loaded  plugin=totp version=1.0.0`, then an error's stack, indented. A line
 * that is not pino's JSON is passed through as it is.
 */
export const readableLine = (json: string): string => {
  let entry: Record<string, unknown>
  try {
    const parsed: unknown = JSON.parse(json)
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return `${json}\n`
    entry = parsed as Record<string, unknown>
  } catch {
    return `${json}\n`
  }
  const time =
    typeof entry.time === 'number' ? new Date(entry.time).toTimeString().slice(0, 8) : '--:--:--'
  const level = (LEVELS[Number(entry.level)] ?? String(entry.level)).padEnd(5)
  const fields = Object.entries(entry)
    .filter(([key]) => !LAYOUT.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
  const head = [
    time,
    level,
    String(entry.msg ?? ''),
    ...(fields.length > 0 ? [` ${fields.join(' ')}`] : []),
  ]
  const err = entry.err as { stack?: unknown; message?: unknown } | undefined
  const stack =
    typeof err?.stack === 'string' ? err.stack : typeof err?.message === 'string' ? err.message : ''
  return `${head.join(' ')}\n${stack ? `${stack.replace(/^/gm, '    ')}\n` : ''}`
}
