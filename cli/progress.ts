// A one-line progress display on stderr for long operations (argon2id, big images): only when
// stderr is a terminal and output is not --json, so pipes, scripts and JSON stay clean.
import type { Progress } from '#plugins/stego/codec'

const LABELS: Record<string, string> = {
  kdf: 'deriving key (argon2id)',
  embed: 'embedding',
  extract: 'extracting',
  encode: 'writing PNG',
  decode: 'reading image',
  upload: 'uploading',
  download: 'downloading',
}

export interface ProgressLine {
  onProgress: Progress
  /** Show a phase without a fraction (a spinner-like elapsed time). */
  phase(name: string): void
  /** Clear the line. */
  done(): void
}

export const progressLine = (
  enabled: boolean,
  stream: { isTTY?: boolean; write(text: string): unknown } = process.stderr,
): ProgressLine => {
  if (!enabled || !stream.isTTY) return { onProgress: () => undefined, phase: () => undefined, done: () => undefined }
  let current = ''
  let fraction: number | undefined
  let started = Date.now()
  let shown = false
  const draw = () => {
    const label = LABELS[current] ?? current
    const tail =
      fraction !== undefined && fraction > 0 && fraction < 1
        ? `${Math.floor(fraction * 100)}%`
        : `${((Date.now() - started) / 1000).toFixed(1)}s`
    stream.write(`\r\u001b[K${label}… ${tail}`)
    shown = true
  }
  const timer = setInterval(draw, 100)
  timer.unref()
  let last = 0
  return {
    onProgress(f, name) {
      const changed = name !== current
      if (changed) {
        current = name
        started = Date.now()
      }
      fraction = f
      const now = Date.now()
      if (changed || now - last >= 50 || f === 1) {
        last = now
        draw()
      }
    },
    phase(name) {
      current = name
      fraction = undefined
      started = Date.now()
      draw()
    },
    done() {
      clearInterval(timer)
      if (shown) stream.write('\r\u001b[K')
    },
  }
}
