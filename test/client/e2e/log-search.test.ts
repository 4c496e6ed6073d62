// The device's search of its decrypted logs follows the hub's rules: the same syntax (words, phrases,
// prefixes, exclusions, OR), words split and folded as FTS5's unicode61 with remove_diacritics 2,
// filters and paging, newest first, and a snippet of at most 16 words with the matched words' offsets.
import { describe, expect, test } from 'vitest'
import { compileSearch, searchLogs } from '#core/client/e2e/log-search'
import type { MessageView } from '#core/protocol/messages'

let seq = 0
const msg = (text: string | null, extra: Partial<MessageView> = {}): MessageView => {
  seq++
  return { room: 'plans', seq, from: 'alice', text, ts: 1_000 + seq, ...extra }
}

const log = [
  msg('the deploy failed on staging'),
  msg('Déploiement OK, deploy done after lunch', { from: 'bob' }),
  msg('deployment window is friday'),
  msg('nothing to see', { deletedAt: 5 }),
  msg(null, { undecryptable: { code: 'E2E_CANNOT_DECRYPT', reason: 'before_join', message: 'x' } }),
  msg('e-mail the Αθήνα team about the café'),
]
const texts = (q: string, filters = {}, limit = 20) =>
  searchLogs([{ room: 'plans', log }], compileSearch(q, filters), { limit }).results.map(
    (h) => h.message.text,
  )

describe('matching as the hub does', () => {
  test('words in any order, case and Latin accents ignored, newest first', () => {
    expect(texts('DEPLOY')).toEqual([
      'Déploiement OK, deploy done after lunch',
      'the deploy failed on staging',
    ])
    expect(texts('staging the')).toEqual(['the deploy failed on staging'])
    expect(texts('deploiement')).toEqual(['Déploiement OK, deploy done after lunch'])
    expect(texts('cafe')).toEqual(['e-mail the Αθήνα team about the café'])
    // Greek keeps its accents (as remove_diacritics 2 does), its case does not matter.
    expect(texts('αθήνα')).toEqual(['e-mail the Αθήνα team about the café'])
    expect(texts('αθηνα')).toEqual([])
  })

  test('phrases, prefixes, exclusions and OR', () => {
    expect(texts('"failed on"')).toEqual(['the deploy failed on staging'])
    expect(texts('"on failed"')).toEqual([])
    expect(texts('e-mail')).toHaveLength(1) // the phrase "e mail"
    expect(texts('deplo*')).toHaveLength(3)
    expect(texts('deploy -staging')).toEqual(['Déploiement OK, deploy done after lunch'])
    expect(texts('deploy NOT lunch')).toEqual(['the deploy failed on staging'])
    expect(texts('friday OR lunch')).toEqual([
      'deployment window is friday',
      'Déploiement OK, deploy done after lunch',
    ])
  })

  test('deleted and undecryptable messages never match; the hub’s errors for bad queries', () => {
    expect(texts('nothing')).toEqual([])
    expect(() => compileSearch('-deploy')).toThrow(
      expect.objectContaining({ code: 'CHATHUB_SEARCH_QUERY_INVALID' }),
    )
    expect(() => compileSearch('d*')).toThrow(
      expect.objectContaining({ code: 'CHATHUB_SEARCH_QUERY_INVALID' }),
    )
    expect(() => compileSearch('x'.repeat(300))).toThrow(
      expect.objectContaining({ code: 'CHATHUB_SEARCH_QUERY_TOO_LONG' }),
    )
    expect(() => compileSearch('deploy', { after: 'yesterday' })).toThrow(
      expect.objectContaining({ code: 'CHATHUB_SEARCH_DATE_INVALID' }),
    )
  })

  test('filters: sender, time; pages after a position', () => {
    expect(texts('deploy', { from: 'bob' })).toEqual(['Déploiement OK, deploy done after lunch'])
    expect(texts('deplo*', { after: 1_002, before: 1_003 })).toEqual([
      'Déploiement OK, deploy done after lunch',
    ])
    const search = compileSearch('deplo*')
    const first = searchLogs([{ room: 'plans', log }], search, { limit: 2 })
    expect(first.more).toBe(true)
    const last = first.results.at(-1)!.message
    const next = searchLogs([{ room: 'plans', log }], search, { limit: 2, below: last })
    expect(next).toMatchObject({ more: false })
    expect([...first.results, ...next.results].map((h) => h.message.seq)).toEqual([3, 2, 1])
  })
})

describe('snippets', () => {
  test('the whole text when short, with the matched words marked; hits say they are the device’s', () => {
    const [hit] = searchLogs([{ room: 'plans', log }], compileSearch('deploy'), {
      limit: 1,
    }).results
    expect(hit).toMatchObject({
      snippet: 'Déploiement OK, deploy done after lunch',
      marks: [[16, 22]],
      source: 'device',
    })
  })

  test('16 words around the match in a long text, cut with …', () => {
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`)
    words[30] = 'needle'
    const long = [msg(words.join(' '), { room: 'long' })]
    const [hit] = searchLogs([{ room: 'long', log: long }], compileSearch('needle'), {
      limit: 1,
    }).results
    expect(hit!.snippet.startsWith('…')).toBe(true)
    expect(hit!.snippet.endsWith('…') || hit!.snippet.endsWith('w39')).toBe(true)
    expect(hit!.snippet.replace(/…/g, '').split(' ')).toHaveLength(16)
    const [[start, end]] = hit!.marks as [[number, number]]
    expect(hit!.snippet.slice(start, end)).toBe('needle')
  })
})
