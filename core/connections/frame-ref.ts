// The `ref` of a frame the hub refuses unread (over the rate limit, during shutdown), found in its
// raw bytes without decoding or parsing them, so that refusing a frame costs far less than handling it.
// A JSON string cannot hold an unescaped `"`, so `"ref"` followed by `:` can only be a key; a ref
// with escapes or control characters is not echoed (the answer then has no ref).

const KEY = Buffer.from('"ref"')
/** A ref is at most 64 characters (docs/protocol.md), so at most 256 bytes of UTF-8. */
const MAX_REF_BYTES = 256
/** Occurrences of `"ref"` looked at (it may also be a value, `"text":"ref"`) before giving up. */
const MAX_TRIES = 4

const QUOTE = 0x22
const COLON = 0x3a
const BACKSLASH = 0x5c

const isSpace = (b: number | undefined): boolean =>
  b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d

/** The frame's ref (1-64 characters, no escapes) when it has a readable one. */
export const refOfFrame = (data: Buffer): string | undefined => {
  let from = 0
  for (let tries = 0; tries < MAX_TRIES; tries++) {
    const at = data.indexOf(KEY, from)
    if (at < 0) return undefined
    from = at + KEY.length
    let i = from
    while (isSpace(data[i])) i++
    if (data[i] !== COLON) continue
    i++
    while (isSpace(data[i])) i++
    if (data[i] !== QUOTE) return undefined
    const start = i + 1
    const end = data.indexOf(QUOTE, start)
    if (end < 0 || end === start || end - start > MAX_REF_BYTES) return undefined
    for (let j = start; j < end; j++) {
      const b = data[j] as number
      if (b === BACKSLASH || b < 0x20) return undefined
    }
    const ref = data.toString('utf8', start, end)
    return ref.length <= 64 ? ref : undefined
  }
  return undefined
}
