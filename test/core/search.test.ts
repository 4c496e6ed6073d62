// Full-text search through the SDK against a real hub: matches and snippets, unicode and accents,
// the query syntax, filters, paging, edits and deletes leaving the index at once, rooms the user may
// not read never searched, garbage answered with codes, the HTTP route, old databases, and
// (property-based) the index staying exactly the live messages through says, edits, deletes, rows
// deleted for good, room purges and retention sweeps.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { beforeEach, describe, expect, test } from 'vitest'
import { issueSession } from '#core/auth/session-store'
import { ChatClient, httpCall } from '#core/client/sdk'
import { DB_FILE } from '#core/db/client'
import { markRoomDeleted, purgeDeletedRooms } from '#core/db/room-purge'
import { sweepRetention } from '#core/retention/sweep'
import type { AckResults, SearchHit } from '#core/protocol/messages'
import { MAX_QUERY_CHARS } from '#core/search/query'
import { insertUser } from '#core/users/queries'
import { databaseBefore } from '#test/helpers/old-database'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { rawSocket, refusal } from './support.ts'

let hub: TestHub
beforeEach(async () => {
  hub = await startHub()
  return () => hub.close()
})

type Page = AckResults['search']
const texts = (page: Page) => page.results.map((r) => r.message.text)
const where = (page: Page) => page.results.map((r) => `${r.message.room}#${r.message.seq}`)
/** The snippet with its marks drawn as [brackets]. */
const drawn = (hit: SearchHit | undefined): string => {
  if (!hit) return ''
  let out = hit.snippet
  for (const [start, end] of [...hit.marks].reverse()) {
    out = `${out.slice(0, start)}[${out.slice(start, end)}]${out.slice(end)}`
  }
  return out
}
/** FTS5's own check of the index against the messages table (throws SQLITE_CORRUPT_VTAB if not). */
const indexIntact = () =>
  hub.hub.db.$client.exec(
    "INSERT INTO messages_search (messages_search, rank) VALUES ('integrity-check', 1)",
  )

describe('matches', () => {
  test('words of messages in readable rooms, newest first, as history shows them, with marked snippets', async () => {
    const alice = await hub.connect('alice')
    const bob = await hub.connect('bob')
    await alice.create('general')
    await alice.create('ops')
    await alice.say('general', 'The deploy failed on staging')
    await alice.say('general', 'lunch at noon?')
    const replied = await alice.say('ops', 'Deploy worked after the second try')
    await bob.join('general')
    await bob.say('general', 'who broke the DEPLOY again')

    const page = await bob.search('deploy')
    expect(where(page)).toEqual(['general#3', 'ops#1', 'general#1'])
    expect(page.more).toBe(false)
    expect(page.cursor).toBeUndefined()
    const [first, second, third] = page.results
    // The message exactly as `history` gives it.
    const [historic] = (await bob.history('general', { before: 4, limit: 1 })).messages
    expect(first?.message).toEqual(historic)
    expect(first?.message).toMatchObject({
      room: 'general',
      seq: 3,
      from: 'bob',
      text: 'who broke the DEPLOY again',
    })
    expect(second?.message).toMatchObject({ room: 'ops', seq: replied.seq, from: 'alice' })
    expect(drawn(first)).toBe('who broke the [DEPLOY] again')
    expect(drawn(third)).toBe('The [deploy] failed on staging')
    expect(third?.marks).toEqual([[4, 10]])

    // A long message: the snippet is the words around the match, cut with an ellipsis.
    const long = `${'filler '.repeat(40)}needle ${'more '.repeat(40)}`.trim()
    await alice.say('general', long)
    const [hit] = (await bob.search('needle')).results
    expect(hit?.message.text).toBe(long)
    expect(hit?.snippet.length).toBeLessThan(long.length)
    expect(drawn(hit)).toMatch(/^….*filler \[needle\] more.*…$/)
  })

  test('unicode: case and (Latin) accents are ignored, other scripts work', async () => {
    const alice = await hub.connect('alice')
    await alice.create('world')
    await alice.say('world', 'Rendez-vous au Café Crème à Noël')
    await alice.say('world', 'Встреча в МОСКВЕ завтра')
    await alice.say('world', 'Συνάντηση στην Αθήνα')
    await alice.say('world', 'naïve coöperation Ångström')
    await alice.say('world', 'tea ☕ then 🚀 launch')
    const find = async (q: string) => texts(await alice.search(q))
    expect(await find('cafe creme noel')).toEqual(['Rendez-vous au Café Crème à Noël'])
    expect(await find('CAFÉ')).toEqual(['Rendez-vous au Café Crème à Noël'])
    expect(await find('москве')).toEqual(['Встреча в МОСКВЕ завтра'])
    expect(await find('αθήνα')).toEqual(['Συνάντηση στην Αθήνα'])
    // unicode61 folds the accents of Latin letters only (docs/protocol.md, "Search").
    expect(await find('αθηνα')).toEqual([])
    expect(await find('naive cooperation angstrom')).toEqual(['naïve coöperation Ångström'])
    expect(await find('rendez-vous')).toEqual(['Rendez-vous au Café Crème à Noël'])
    expect(await find('launch')).toEqual(['tea ☕ then 🚀 launch'])
    // Emoji are not words: a query of only emoji has nothing to look for.
    expect((await refusal(alice.search('🚀'))).code).toBe('CHATHUB_SEARCH_QUERY_INVALID')
  })

  test('syntax: all words, "phrases", prefix*, -left out, OR, NOT', async () => {
    const alice = await hub.connect('alice')
    await alice.create('dev')
    for (const text of [
      'deploy failed on staging',
      'staging deploy is slow',
      'the deployment succeeded',
      'release notes are out',
      'failed to write release notes',
    ]) {
      await alice.say('dev', text)
    }
    const find = async (q: string) => texts(await alice.search(q)).sort()
    expect(await find('failed deploy')).toEqual(['deploy failed on staging'])
    expect(await find('"staging deploy"')).toEqual(['staging deploy is slow'])
    expect(await find('deploy*')).toEqual([
      'deploy failed on staging',
      'staging deploy is slow',
      'the deployment succeeded',
    ])
    expect(await find('deploy* -staging')).toEqual(['the deployment succeeded'])
    expect(await find('deploy NOT staging')).toEqual([])
    expect(await find('deployment OR release')).toEqual([
      'failed to write release notes',
      'release notes are out',
      'the deployment succeeded',
    ])
    expect(await find('failed release OR staging')).toEqual([
      'deploy failed on staging',
      'failed to write release notes',
    ])
    expect(await find('-"release notes" failed')).toEqual(['deploy failed on staging'])
  })

  test('a message stored by another process (a direct insert) is found: a search indexes what is new first', async () => {
    const alice = await hub.connect('alice')
    await alice.create('general')
    await alice.say('general', 'first')
    const sqlite = hub.hub.db.$client
    sqlite
      .prepare(
        `INSERT INTO messages (room_id, seq, sender_id, txn, text, created_at)
         SELECT room_id, 2, sender_id, 'outside', 'written by another process', 1 FROM messages WHERE seq = 1`,
      )
      .run()
    expect(hub.hub.search.index.pending()).toBe(true)
    expect(texts(await alice.search('process'))).toEqual(['written by another process'])
    expect(hub.hub.search.index.pending()).toBe(false)
    indexIntact()
  })
})

describe('filters and paging', () => {
  test('room, from (an account or a bridged sender), after and before', async () => {
    const alice = await hub.connect('alice')
    const bob = await hub.connect('bob')
    await alice.create('general')
    await alice.create('random')
    await bob.join('general')
    await bob.join('random')
    const bridge = insertUser(hub.hub.db, { name: 'ircbridge', passwordHash: null, kind: 'bridge' })
    const relay = await ChatClient.connect(
      hub.url,
      issueSession(hub.hub.db, bridge.id, { ttlMs: 60_000 }).token,
    )
    await relay.join('general')

    await alice.say('general', 'coffee from alice in general')
    await bob.say('general', 'coffee from bob in general')
    await alice.say('random', 'coffee from alice in random')
    await relay.request('say', {
      room: 'general',
      text: 'coffee from dan on irc',
      txn: 'irc-1',
      as: 'dan@irc',
    })

    expect(texts(await bob.search('coffee', { room: 'random' }))).toEqual([
      'coffee from alice in random',
    ])
    expect(texts(await bob.search('coffee', { from: 'alice' }))).toEqual([
      'coffee from alice in random',
      'coffee from alice in general',
    ])
    expect(texts(await bob.search('coffee', { from: 'alice', room: 'general' }))).toEqual([
      'coffee from alice in general',
    ])
    // A bridged sender is found by its remote name; the bridge account's own messages are its own.
    const irc = await bob.search('coffee', { from: 'dan@irc' })
    expect(irc.results.map((r) => [r.message.from, r.message.via])).toEqual([
      ['dan@irc', 'ircbridge'],
    ])
    expect(texts(await bob.search('coffee', { from: 'ircbridge' }))).toEqual([])
    expect((await refusal(bob.search('coffee', { from: 'nobody' }))).code).toBe(
      'CHATHUB_USER_NOT_FOUND',
    )

    // Dates: ms since the epoch or ISO; `after` includes its instant, `before` does not.
    const all = await bob.search('coffee')
    const ts = all.results.map((r) => r.message.ts)
    const oldest = Math.min(...ts)
    const newest = Math.max(...ts)
    expect((await bob.search('coffee', { after: oldest })).results).toHaveLength(4)
    expect((await bob.search('coffee', { after: newest + 1 })).results).toHaveLength(0)
    expect((await bob.search('coffee', { before: oldest })).results).toHaveLength(0)
    expect(
      (await bob.search('coffee', { before: new Date(newest + 1).toISOString() })).results,
    ).toHaveLength(4)
    expect(
      (await bob.search('coffee', { after: '2000-01-01', before: '2000-01-02' })).results,
    ).toHaveLength(0)
    expect(
      (await bob.search('coffee', { after: '2000-01-01T10:00', before: String(newest + 1) }))
        .results,
    ).toHaveLength(4)
    expect(
      (await bob.search('coffee', { after: '1999-12-31T23:00:00+01:00' })).results,
    ).toHaveLength(4)
    for (const bad of ['yesterday', '2025-13-45', '2025-02-30T25:00', '1e12', '-5', '2025/03/01']) {
      expect((await refusal(bob.search('coffee', { after: bad }))).code, bad).toBe(
        'CHATHUB_SEARCH_DATE_INVALID',
      )
    }
    await relay.close()
  })

  test('pages newest first by cursor, without gaps or repeats; a bad cursor has its code', async () => {
    const alice = await hub.connect('alice')
    await alice.create('general')
    for (let i = 1; i <= 25; i++)
      await alice.say('general', i % 5 === 0 ? `other ${i}` : `report number ${i}`)
    const seen: number[] = []
    let cursor: string | undefined
    const sizes: number[] = []
    for (;;) {
      const page = await alice.search('report', { limit: 7, ...(cursor ? { cursor } : {}) })
      sizes.push(page.results.length)
      seen.push(...page.results.map((r) => r.message.seq))
      if (!page.more) break
      cursor = page.cursor
      expect(cursor).toMatch(/^[0-9a-z]+$/)
    }
    const expected = Array.from({ length: 25 }, (_, i) => 25 - i).filter((seq) => seq % 5 !== 0)
    expect(seen).toEqual(expected)
    expect(sizes).toEqual([7, 7, 6])
    // Messages said meanwhile do not shift later pages: the cursor is a position, not an offset.
    const first = await alice.search('report', { limit: 7 })
    await alice.say('general', 'report number 26')
    const next = await alice.search('report', { limit: 7, cursor: first.cursor })
    expect(next.results[0]?.message.seq).toBe(expected[7])
    for (const bad of ['!!', '0', 'ZZ', '-1']) {
      expect((await refusal(alice.search('report', { cursor: bad }))).code, bad).toBe(
        'CHATHUB_SEARCH_CURSOR_INVALID',
      )
    }
  })

  test('edited text is found by its new words only, deleted text not at all, at once', async () => {
    const alice = await hub.connect('alice')
    const bob = await hub.connect('bob')
    await alice.create('general')
    await bob.join('general')
    const { seq } = await alice.say('general', 'my password is hunter2')
    const other = await alice.say('general', 'the hunter2 movie was good')
    expect(texts(await bob.search('hunter2'))).toHaveLength(2)
    // Before the indexer's round and after it: both ways the change is in the index at once.
    await alice.edit('general', seq, 'oops, nothing to see')
    expect(texts(await bob.search('password'))).toEqual([])
    expect(texts(await bob.search('hunter2'))).toEqual(['the hunter2 movie was good'])
    expect(texts(await bob.search('nothing to see'))).toEqual(['oops, nothing to see'])
    await alice.delete('general', seq)
    expect(texts(await bob.search('oops'))).toEqual([])
    await alice.delete('general', other.seq)
    expect(texts(await bob.search('hunter2'))).toEqual([])
    // A message edited and deleted before any search (never indexed in between) is not found either.
    const late = await alice.say('general', 'secret plans')
    await alice.edit('general', late.seq, 'public plans')
    expect(texts(await bob.search('plans'))).toEqual(['public plans'])
    await alice.delete('general', late.seq)
    expect(texts(await bob.search('plans'))).toEqual([])
    indexIntact()
  })

  test('a purged room and a removed account take their index entries with them', async () => {
    const alice = await hub.connect('alice')
    const carol = await hub.connect('carol')
    await alice.create('doomed')
    await alice.create('stays')
    await carol.join('stays')
    await alice.say('doomed', 'zebra in the doomed room')
    await alice.say('stays', 'zebra that stays')
    await carol.say('stays', 'zebra by carol')
    expect(texts(await alice.search('zebra'))).toHaveLength(3)
    markRoomDeleted(hub.hub.db, 'doomed')
    await purgeDeletedRooms(hub.hub.db)
    expect(texts(await alice.search('zebra'))).toEqual(['zebra by carol', 'zebra that stays'])
    // Removing an account deletes its messages (a cascade): the triggers see those rows too.
    hub.hub.db.$client.prepare("DELETE FROM users WHERE name = 'carol'").run()
    expect(texts(await alice.search('zebra'))).toEqual(['zebra that stays'])
    indexIntact()
  })
})

describe('what a user may search', () => {
  test('private rooms and direct conversations of others are never searched', async () => {
    const alice = await hub.connect('alice')
    const bob = await hub.connect('bob')
    const carol = await hub.connect('carol')
    await alice.create('secret', { private: true })
    await alice.say('secret', 'walrus plans in private')
    const dm = await alice.sayDirect('carol', 'walrus between alice and carol')
    await alice.create('lobby')
    await alice.say('lobby', 'walrus in public')

    expect(texts(await bob.search('walrus'))).toEqual(['walrus in public'])
    expect(texts(await carol.search('walrus'))).toEqual([
      'walrus in public',
      'walrus between alice and carol',
    ])
    expect(texts(await alice.search('walrus'))).toHaveLength(3)
    expect((await refusal(bob.search('walrus', { room: 'secret' }))).code).toBe(
      'CHATHUB_ROOM_NOT_FOUND',
    )
    expect((await refusal(bob.search('walrus', { room: dm.room }))).code).toBe(
      'CHATHUB_ROOM_NOT_FOUND',
    )
    expect((await refusal(bob.search('walrus', { room: 'nowhere' }))).code).toBe(
      'CHATHUB_ROOM_NOT_FOUND',
    )
    // Nor through a filter that names a sender who wrote there.
    expect(texts(await bob.search('walrus', { from: 'alice' }))).toEqual(['walrus in public'])
    expect(texts(await carol.search('walrus', { room: dm.room }))).toEqual([
      'walrus between alice and carol',
    ])
  })

  test('a member who leaves a private room, or is banned from any room, no longer finds its messages', async () => {
    const alice = await hub.connect('alice')
    const bob = await hub.connect('bob')
    await alice.create('club', { private: true })
    await alice.create('lobby')
    await alice.invite('club', 'bob')
    await bob.join('club')
    await bob.join('lobby')
    await alice.say('club', 'otter in the club')
    await alice.say('lobby', 'otter in the lobby')
    expect(texts(await bob.search('otter'))).toEqual(['otter in the lobby', 'otter in the club'])

    await bob.leave('club')
    expect(texts(await bob.search('otter'))).toEqual(['otter in the lobby'])
    expect((await refusal(bob.search('otter', { room: 'club' }))).code).toBe(
      'CHATHUB_ROOM_NOT_FOUND',
    )
    // Leaving a public room leaves it readable (its history is public), so it is still searched.
    await bob.leave('lobby')
    expect(texts(await bob.search('otter'))).toEqual(['otter in the lobby'])

    await bob.join('lobby')
    await alice.ban('lobby', 'bob')
    expect(texts(await bob.search('otter'))).toEqual([])
    expect((await refusal(bob.search('otter', { room: 'lobby' }))).code).toBe('CHATHUB_ROOM_BANNED')
    await alice.request('unban', { room: 'lobby', user: 'bob' })
    expect(texts(await bob.search('otter'))).toEqual(['otter in the lobby'])
  })

  test('a scoped bot token searches only the rooms it names', async () => {
    const alice = await hub.connect('alice')
    await alice.create('builds')
    await alice.create('chatter')
    await alice.say('builds', 'build 42 green')
    await alice.say('chatter', 'build talk elsewhere')
    const bot = insertUser(hub.hub.db, { name: 'ci', passwordHash: null, kind: 'bot' })
    const token = issueSession(hub.hub.db, bot.id, {
      ttlMs: null,
      kind: 'bot',
      scopes: ['builds'],
    }).token
    const ci = await ChatClient.connect(hub.url, token)
    expect(texts(await ci.search('build'))).toEqual(['build 42 green'])
    expect((await refusal(ci.search('build', { room: 'chatter' }))).code).toBe(
      'CHATHUB_ROOM_NOT_FOUND',
    )
    await ci.close()
  })
})

describe('garbage', () => {
  test('malformed queries, FTS5 syntax, too long, wrong types: each has its code, none crashes the hub', async () => {
    const alice = await hub.connect('alice')
    await alice.create('general')
    await alice.say('general', 'plain words: NEAR(a b) text:foo "quoted" and ^caret * star')
    const codeOf = async (q: string, options: Parameters<ChatClient['search']>[1] = {}) => {
      try {
        await alice.search(q, options)
        return 'ok'
      } catch (err) {
        return (err as { code: string }).code
      }
    }
    // FTS5's own syntax is plain text here: found as words, or nothing, never an error from SQLite.
    for (const q of [
      'NEAR(a b)',
      'text:foo',
      'text : foo',
      '"quoted',
      'quoted"',
      '^caret',
      '{text}: foo',
      'a AND',
      'OR',
      'NOT',
      'AND',
      'x"y"z',
      "'; DROP TABLE messages; --",
      'rank MATCH x',
      '\u0000nul',
    ]) {
      expect(await codeOf(q), q).toBe('ok')
    }
    expect(texts(await alice.search('NEAR(a b)'))).toHaveLength(1)
    expect(texts(await alice.search('text:foo'))).toHaveLength(1)
    for (const q of [
      '*',
      '-',
      '"',
      '""',
      '(',
      ')',
      '\\',
      '-plain',
      'NOT plain',
      '!!!',
      '🙂 🙃',
      'p*',
      '-"quoted"',
    ]) {
      expect(await codeOf(q), q).toBe('CHATHUB_SEARCH_QUERY_INVALID')
    }
    expect(await codeOf('x'.repeat(MAX_QUERY_CHARS))).toBe('ok')
    expect(await codeOf('x'.repeat(MAX_QUERY_CHARS + 1))).toBe('CHATHUB_SEARCH_QUERY_TOO_LONG')
    expect(await codeOf(Array.from({ length: 17 }, (_, i) => `w${i}`).join(' '))).toBe(
      'CHATHUB_SEARCH_QUERY_TOO_LONG',
    )
    expect(await codeOf('x'.repeat(5000))).toBe('CHATHUB_FRAME_INVALID')

    const frames: [string, string][] = [
      ['{"type":"search","ref":"s1"}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"search","ref":"s2","q":""}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"search","ref":"s3","q":5}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"search","ref":"s4","q":["plain"]}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"search","ref":"s5","q":"plain","limit":0}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"search","ref":"s6","q":"plain","limit":101}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"search","ref":"s7","q":"plain","limit":"10"}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"search","ref":"s8","q":"plain","room":"../etc"}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"search","ref":"s9","q":"plain","from":"Not A Name"}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"search","ref":"s10","q":"plain","after":{}}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"search","ref":"s11","q":"plain","after":-1}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"search","ref":"s12","q":"plain","before":1e300}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"search","ref":"s13","q":"plain","cursor":""}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"search","ref":"s14","q":"plain","extra":true}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"search","ref":"s15","q":"plain","after":"soon"}', 'CHATHUB_SEARCH_DATE_INVALID'],
      ['{"type":"search","ref":"s16","q":"plain","cursor":"@@"}', 'CHATHUB_SEARCH_CURSOR_INVALID'],
    ]
    for (const [text, code] of frames) {
      const ref = (JSON.parse(text) as { ref: string }).ref
      const answer = alice.next('error', (e) => e.ref === ref)
      alice.sendRaw(text)
      expect((await answer).code, text).toBe(code)
    }
    expect(texts(await alice.search('plain'))).toHaveLength(1)
    indexIntact()
  })

  test('no search without authentication, over the socket or HTTP', async () => {
    const raw = await rawSocket(hub.url)
    raw.ws.send(JSON.stringify({ type: 'search', ref: 'early', q: 'anything' }))
    expect(await raw.next((f) => f.type === 'error')).toMatchObject({
      code: 'CHATHUB_AUTH_REQUIRED',
      ref: 'early',
    })
    raw.ws.close()
    expect((await refusal(httpCall(hub.url, '/api/v1/search?q=anything'))).code).toBe(
      'CHATHUB_AUTH_REQUIRED',
    )
    expect(
      (await refusal(httpCall(hub.url, '/api/v1/search?q=anything', { token: 'chs_forged' }))).code,
    ).toBe('CHATHUB_TOKEN_INVALID')
  })
})

describe('HTTP', () => {
  test('GET /api/v1/search answers what the frame answers, with the same codes', async () => {
    const alice = await hub.connect('alice')
    await alice.create('general')
    for (let i = 1; i <= 3; i++) await alice.say('general', `kiwi number ${i}`)
    const token = hub.token('alice')
    const get = (query: string) => httpCall<Page>(hub.url, `/api/v1/search?${query}`, { token })
    const viaHttp = await get('q=kiwi&room=general&limit=2')
    const {
      type: _type,
      ref: _ref,
      ...viaSocket
    } = await alice.request('search', { q: 'kiwi', room: 'general', limit: 2 })
    expect(viaHttp).toEqual(viaSocket)
    expect(where(viaHttp)).toEqual(['general#3', 'general#2'])
    const rest = await get(`q=kiwi&limit=2&cursor=${viaHttp.cursor ?? ''}`)
    expect(where(rest)).toEqual(['general#1'])
    expect(
      where(await get(`q=kiwi&from=alice&after=2000-01-01&before=${Date.now() + 60_000}`)),
    ).toHaveLength(3)
    const codes = async (query: string) => (await refusal(get(query))).code
    expect(await codes('q=')).toBe('CHATHUB_REQUEST_INVALID')
    expect(await codes('room=general')).toBe('CHATHUB_REQUEST_INVALID')
    expect(await codes('q=kiwi&limit=abc')).toBe('CHATHUB_REQUEST_INVALID')
    expect(await codes('q=kiwi&limit=500')).toBe('CHATHUB_REQUEST_INVALID')
    expect(await codes('q=-kiwi')).toBe('CHATHUB_SEARCH_QUERY_INVALID')
    expect(await codes(`q=${'k'.repeat(300)}`)).toBe('CHATHUB_SEARCH_QUERY_TOO_LONG')
    expect(await codes('q=kiwi&after=tomorrow')).toBe('CHATHUB_SEARCH_DATE_INVALID')
    expect(await codes('q=kiwi&room=nowhere')).toBe('CHATHUB_ROOM_NOT_FOUND')
  })
})

describe('the index in the database', () => {
  test('an old database migrates: the messages it already holds are found', async () => {
    await hub.close()
    const dataDir = mkdtempSync(join(tmpdir(), 'chathub-old-'))
    const old = databaseBefore(join(dataDir, DB_FILE), '0012_search')
    old.exec(`
      INSERT INTO users (id, name, password_hash, created_at) VALUES (1, 'alice', NULL, 0), (2, 'bob', NULL, 0);
      INSERT INTO rooms (id, name, created_by, created_at) VALUES (1, 'general', 1, 0);
      INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES (1, 1, 'owner', 0);
      INSERT INTO messages (id, room_id, seq, sender_id, txn, text, created_at, deleted_at) VALUES
        (1, 1, 1, 1, 't1', 'Émile wrote this before search existed', 1000, NULL),
        (2, 1, 2, 1, 't2', NULL, 2000, 2500),
        (3, 1, 3, 2, 't3', 'and bob wrote this', 3000, NULL);
    `)
    old.close()
    hub = await startHub({}, { dataDir })
    const bob = await hub.connect('bob')
    expect(where(await bob.search('wrote this'))).toEqual(['general#3', 'general#1'])
    expect(texts(await bob.search('emile'))).toEqual(['Émile wrote this before search existed'])
    await bob.join('general')
    await bob.say('general', 'this is new')
    expect(where(await bob.search('this'))).toEqual(['general#4', 'general#3', 'general#1'])
    indexIntact()
  })

  test('the triggers that keep the index are in place (a migration rebuilding `messages` must recreate them)', () => {
    const triggers = hub.hub.db.$client
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'messages' ORDER BY name",
      )
      .all()
      .map((t) => t.name)
    expect(triggers).toEqual(
      expect.arrayContaining(['messages_search_delete', 'messages_search_update']),
    )
  })

  test('property: a word finds exactly the live messages that contain it, through any sequence of changes', async () => {
    await hub.close()
    const words = ['apple', 'berry', 'cherry', 'damson', 'elder']
    type Op =
      | { op: 'say'; room: 0 | 1; words: number[]; upper: boolean }
      | { op: 'edit' | 'delete'; pick: number; words: number[] }
      | { op: 'index'; rows: number }
      | { op: 'drop-newest' }
      | { op: 'purge'; room: 0 | 1 }
      | { op: 'expire'; room: 0 | 1; count: number }
      | { op: 'check' }
    const wordsArb = fc.array(fc.nat({ max: words.length - 1 }), { minLength: 1, maxLength: 4 })
    const room01 = fc.constantFrom(0 as const, 1 as const)
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          op: fc.constant('say' as const),
          room: room01,
          words: wordsArb,
          upper: fc.boolean(),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({ op: fc.constant('edit' as const), pick: fc.nat(), words: wordsArb }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          op: fc.constant('delete' as const),
          pick: fc.nat(),
          words: wordsArb,
        }),
      },
      // Index a few new messages now, so that later changes meet messages on both sides of the mark.
      {
        weight: 1,
        arbitrary: fc.record({
          op: fc.constant('index' as const),
          rows: fc.integer({ min: 1, max: 5 }),
        }),
      },
      // A row deleted for good (as retention does): SQLite hands its id out again to the next message.
      { weight: 1, arbitrary: fc.record({ op: fc.constant('drop-newest' as const) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('purge' as const), room: room01 }) },
      // The retention sweep takes a room's oldest messages (aged here by moving their time back).
      {
        weight: 1,
        arbitrary: fc.record({ op: fc.constant('expire' as const), room: room01, count: fc.integer({ min: 1, max: 4 }) }),
      },
      // Search between changes too (a search first indexes everything new).
      { weight: 1, arbitrary: fc.record({ op: fc.constant('check' as const) }) },
    )
    const rooms = ['a', 'b']
    const key = (room: string, seq: number) => `${room}#${seq}`
    /** Apply the changes (keeping the model in step), searching every word and comparing at each check. */
    const changesThenSearch = async (ops: Op[]): Promise<void> => {
      const alice = await hub.connect('alice')
      const sqlite = hub.hub.db.$client
      for (const room of rooms) await alice.create(room)
      const purged = new Set<string>()
      /** room#seq -> text, for every message not deleted. */
      const live = new Map<string, string>()
      const check = async () => {
        for (const w of words) {
          const found: string[] = []
          let cursor: string | undefined
          for (;;) {
            const page = await alice.search(w, { limit: 100, ...(cursor ? { cursor } : {}) })
            found.push(...where(page))
            if (!page.more) break
            cursor = page.cursor
          }
          const expected = [...live]
            .filter(([, text]) => text.toLowerCase().split(' ').includes(w))
            .map(([k]) => k)
          expect(found.sort()).toEqual(expected.sort())
        }
        indexIntact()
      }
      for (const o of ops) {
        if (o.op === 'say') {
          const room = rooms[o.room] as string
          if (purged.has(room)) continue
          const text = o.words.map((w) => (o.upper ? words[w]?.toUpperCase() : words[w])).join(' ')
          const { seq } = await alice.say(room, text)
          live.set(key(room, seq), text)
        } else if (o.op === 'edit' || o.op === 'delete') {
          const keys = [...live.keys()]
          const target = keys[o.pick % Math.max(keys.length, 1)]
          if (!target) continue
          const [room = '', seq = ''] = target.split('#')
          if (o.op === 'edit') {
            const text = o.words.map((w) => words[w]).join(' ')
            await alice.edit(room, Number(seq), text)
            live.set(target, text)
          } else {
            await alice.delete(room, Number(seq))
            live.delete(target)
          }
        } else if (o.op === 'index') {
          hub.hub.search.index.indexBatch(o.rows)
        } else if (o.op === 'check') {
          await check()
        } else if (o.op === 'drop-newest') {
          const row = sqlite
            .prepare<[], { room: string; seq: number }>(
              'SELECT r.name AS room, m.seq FROM messages m JOIN rooms r ON r.id = m.room_id ORDER BY m.id DESC LIMIT 1',
            )
            .get()
          if (!row) continue
          sqlite.prepare('DELETE FROM messages WHERE id = (SELECT max(id) FROM messages)').run()
          live.delete(key(row.room, row.seq))
        } else if (o.op === 'purge') {
          const room = rooms[o.room] as string
          if (purged.has(room)) continue
          const { id } = markRoomDeleted(hub.hub.db, room)
          await purgeDeletedRooms(hub.hub.db)
          hub.hub.rooms.dropRoom(id)
          purged.add(room)
          for (const k of [...live.keys()]) if (k.startsWith(`${room}#`)) live.delete(k)
        } else if (o.op === 'expire') {
          const room = rooms[o.room] as string
          if (purged.has(room)) continue
          const aged = sqlite
            .prepare<[string, number], { seq: number }>(
              `UPDATE messages SET created_at = 0 WHERE id IN (SELECT m.id FROM messages m JOIN rooms r ON r.id = m.room_id
                 WHERE r.name = ? ORDER BY m.seq LIMIT ?) RETURNING seq`,
            )
            .all(room, o.count)
          // (A swept room keeps its newest row, emptied, for its counters: aged again, it is not counted.)
          const report = await sweepRetention(hub.hub.db, { now: Date.now(), defaultDays: 1, actor: 'hub' })
          expect(report.messages).toBeLessThanOrEqual(aged.length)
          for (const { seq } of aged) live.delete(key(room, seq))
        }
      }
      await check()
    }

    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), async (ops) => {
        // A hub of its own per run: a failure shrinks to the changes that cause it.
        hub = await startHub()
        try {
          await changesThenSearch(ops)
        } finally {
          await hub.close()
        }
      }),
      { numRuns: 25 },
    )
    // The teardown closes `hub` again: a fresh one, so that it has something to close.
    hub = await startHub()
  }, 180_000)
})
