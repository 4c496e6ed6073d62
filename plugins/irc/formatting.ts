// IRC formatting codes <-> the hub's markdown-ish text (modern.ircdocs.horse/formatting):
// bold \x02, italics \x1D, strikethrough \x1E, monospace \x11 map to **, _, ~~ and `; colours,
// underline and reverse have no markdown equivalent and are dropped.

const MARKS: Record<string, string> = { '\x02': '**', '\x1D': '_', '\x1E': '~~', '\x11': '`' }

/** IRC -> markdown: paired codes become markdown marks, colours and the rest are stripped. */
export const ircToMarkdown = (text: string): string => {
  const open = new Set<string>()
  let out = ''
  const closeAll = () => {
    for (const code of [...open].reverse()) out += MARKS[code] ?? ''
    open.clear()
  }
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? ''
    if (c in MARKS) {
      out += MARKS[c]
      if (open.has(c)) open.delete(c)
      else open.add(c)
    } else if (c === '\x03') {
      // \x03[fg[,bg]] with one or two digits each.
      const m = /^(\d{1,2}(,\d{1,2})?)?/.exec(text.slice(i + 1))
      i += m?.[0].length ?? 0
    } else if (c === '\x04') {
      const m = /^([0-9a-fA-F]{6}(,[0-9a-fA-F]{6})?)?/.exec(text.slice(i + 1))
      i += m?.[0].length ?? 0
    } else if (c === '\x0F') {
      closeAll()
    } else if (c === '\x1F' || c === '\x16') {
      // underline, reverse: no markdown
    } else {
      out += c
    }
  }
  closeAll()
  // Empty pairs left by codes that wrapped nothing.
  return out.replace(/\*\*\*\*|~~~~|``/g, '')
}

/** Markdown -> IRC: **bold**, _italic_ / *italic*, ~~strike~~ and `code` become IRC codes. */
export const markdownToIrc = (text: string): string =>
  text
    .replace(/`([^`\n]+)`/g, '\x11$1\x11')
    .replace(/\*\*(?=\S)([^*\n]*?\S)\*\*/g, '\x02$1\x02')
    .replace(/~~(?=\S)([^~\n]*?\S)~~/g, '\x1E$1\x1E')
    .replace(/(^|[\s(])_(?=\S)([^_\n]*?\S)_(?=$|[\s).,!?:;])/g, '$1\x1D$2\x1D')
    .replace(/(^|[\s(])\*(?=\S)([^*\n]*?\S)\*(?=$|[\s).,!?:;])/g, '$1\x1D$2\x1D')
