// `npm run bench -- search [--runs N] [--only query|commit]`: full-text search over 1 M messages.
//
// query:  1,000,000 messages (Zipf-distributed words, 100 rooms) inserted with prepared statements in
//         one transaction into a temp data dir, then indexed. Each query is timed three ways in the
//         same run: the index's page (ids and snippets), the user's whole search request, and the
//         baseline, the same page by a plain `text LIKE '%word%'` scan, newest first, in the same
//         rooms; p50 and p99 of each, and the ratio of the scan to the index.
// commit: what the index costs a one-message commit (MessageStore.commit, as the hub's pipeline
//         makes it alone at a low rate): no index, this design (new messages indexed in batches, edits
//         and deletes by trigger), and the alternative (an insert trigger: the index in the message's
//         own commit), interleaved message by message on three databases with the hub's checkpointer.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Statement } from 'better-sqlite3'
import type { SessionUser } from '#core/auth/session-store'
import { resolveConfig } from '#core/config'
import { startCheckpointer } from '#core/db/checkpointer'
import { DB_FILE, type Db, openDb } from '#core/db/client'
import { MessageStore } from '#core/messages/message-store'
import { createRoom } from '#core/rooms/queries'
import { RoomState } from '#core/rooms/room-state'
import { parseQuery } from '#core/search/query'
import { SearchIndex } from '#core/search/search-index'
import { buildServer } from '#core/server'
import { insertUser } from '#core/users/queries'
import { median } from './process.ts'

const MESSAGES = 1_000_000
const ROOMS = 100
const VOCABULARY = 30_000
const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ne',
  'ru',
  'sa',
  'to',
  'vi',
  'pe',
  'da',
  'fo',
  'gu',
  'ha',
  'je',
  'zi',
  'bo',
]

/** mulberry32: the same corpus on every run. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** Word of rank `i` (0 = most frequent): two to four syllables, distinct for every i. */
const wordOf = (i: number): string => {
  let n = i + 16
  let word = ''
  while (n > 0) {
    word = (SYLLABLES[n % 16] as string) + word
    n = Math.floor(n / 16)
  }
  return word
}

/** Messages of 4 to 20 words drawn by Zipf's law (s = 1) from VOCABULARY words, as chat text is. */
class Corpus {
  private readonly cdf = new Float64Array(VOCABULARY)
  private readonly words = Array.from({ length: VOCABULARY }, (_, i) => wordOf(i))
  readonly next = random(42)

  constructor() {
    let sum = 0
    for (let r = 0; r < VOCABULARY; r++) sum += 1 / (r + 1)
    let acc = 0
    for (let r = 0; r < VOCABULARY; r++) this.cdf[r] = acc += 1 / (r + 1) / sum
  }

  word(): string {
    const u = this.next()
    let lo = 0
    let hi = VOCABULARY - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((this.cdf[mid] as number) < u) lo = mid + 1
      else hi = mid
    }
    return this.words[lo] as string
  }

  text(): string {
    const n = 4 + Math.floor(this.next() * 17)
    const out: string[] = []
    for (let i = 0; i < n; i++) out.push(this.word())
    return out.join(' ')
  }
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number
}
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(2))

// --- query ---------------------------------------------------------------------------------------

interface QueryCase {
  label: string
  q: string
  /** The baseline: every pattern must match (`%word%`). */
  like: string[]
}

/** Room numbers of the 5-room and 1-room scopes (room1..room5, room7). */
const SCOPED_ROOMS = [1, 2, 3, 4, 5, 7]
const ELSEWHERE = 'zulu'

const QUERIES: QueryCase[] = [
  { label: 'most common word (in ~60% of messages)', q: wordOf(0), like: [wordOf(0)] },
  { label: 'word of rank 30', q: wordOf(29), like: [wordOf(29)] },
  { label: 'word of rank 1000', q: wordOf(999), like: [wordOf(999)] },
  { label: 'word of rank 20000', q: wordOf(19_999), like: [wordOf(19_999)] },
  { label: 'word in no message', q: 'quetzalcoatl', like: ['quetzalcoatl'] },
  { label: 'word in 30% of messages, none in rooms 1-7', q: ELSEWHERE, like: [ELSEWHERE] },
  {
    label: 'two words (ranks 5 and 200)',
    q: `${wordOf(4)} ${wordOf(199)}`,
    like: [wordOf(4), wordOf(199)],
  },
  {
    label: 'phrase of two common words',
    q: `"${wordOf(0)} ${wordOf(1)}"`,
    like: [`${wordOf(0)} ${wordOf(1)}`],
  },
  {
    label: 'prefix (rank 300 word minus a letter)',
    q: `${wordOf(299).slice(0, -1)}*`,
    like: [wordOf(299).slice(0, -1)],
  },
]

interface Scope {
  label: string
  user: SessionUser
  room?: string
  rooms: number[]
}

const buildHistory = (dir: string): { buildS: number; indexS: number; sizes: string } => {
  const db = openDb(join(dir, DB_FILE))
  const sqlite = db.$client
  const corpus = new Corpus()
  const owner = insertUser(db, { name: 'owner', passwordHash: null })
  insertUser(db, { name: 'reader', passwordHash: null })
  const senders = Array.from(
    { length: 50 },
    (_, i) => insertUser(db, { name: `user${i}`, passwordHash: null }).id,
  )
  const rooms = Array.from(
    { length: ROOMS },
    (_, i) =>
      createRoom(db, { name: `room${i}`, isPrivate: false, topic: '', ownerId: owner.id }).id,
  )
  const insert = sqlite.prepare(
    'INSERT INTO messages (room_id, seq, sender_id, txn, text, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  )
  const seqs = new Map<number, number>()
  const first = rooms[0] as number
  const t0 = performance.now()
  sqlite
    .transaction(() => {
      for (let i = 0; i < MESSAGES; i++) {
        const room = rooms[Math.floor(corpus.next() * ROOMS)] as number
        const seq = (seqs.get(room) ?? 0) + 1
        seqs.set(room, seq)
        const sender = senders[Math.floor(corpus.next() * senders.length)] as number
        const text = corpus.text()
        // A word frequent everywhere except in the rooms searched below: what a filter after the
        // index has to wade through.
        const elsewhere = !SCOPED_ROOMS.includes(room - first) && corpus.next() < 0.3
        insert.run(
          room,
          seq,
          sender,
          `t${i}`,
          elsewhere ? `${text} ${ELSEWHERE}` : text,
          1_700_000_000_000 + i * 1000,
        )
      }
    })
    .immediate()
  const buildS = (performance.now() - t0) / 1000
  const t1 = performance.now()
  new SearchIndex(db).catchUp()
  const indexS = (performance.now() - t1) / 1000
  const size = (like: string) =>
    (sqlite
      .prepare<[string], { b: number }>('SELECT sum(pgsize) AS b FROM dbstat WHERE name LIKE ?')
      .get(like)?.b ?? 0) / 1048576
  const sizes = `messages table ${size('messages').toFixed(0)} MiB, its indexes ${size('messages_room%').toFixed(0)} MiB, search index ${size('messages_search%').toFixed(0)} MiB`
  sqlite.close()
  return { buildS, indexS, sizes }
}

const runQueries = async (runs: number): Promise<string> => {
  const dir = mkdtempSync(join(tmpdir(), 'chathub-bench-search-'))
  try {
    const built = buildHistory(dir)
    const config = resolveConfig({ dataDir: dir, log: { level: 'warn' } })
    const { app, hub } = await buildServer({ config })
    try {
      const sqlite = hub.db.$client
      const reader =
        sqlite.prepare<[], { id: number }>("SELECT id FROM users WHERE name = 'reader'").get()
          ?.id ?? 0
      const roomId = (name: string) =>
        sqlite.prepare<[string], { id: number }>('SELECT id FROM rooms WHERE name = ?').get(name)
          ?.id ?? 0
      const person: SessionUser = {
        sessionId: 0,
        userId: reader,
        name: 'reader',
        admin: false,
        kind: 'person',
        scopes: undefined,
      }
      const five = ['room1', 'room2', 'room3', 'room4', 'room5']
      const scopes: Scope[] = [
        {
          label: 'all 100 rooms',
          user: person,
          rooms: Array.from({ length: ROOMS }, (_, i) => roomId(`room${i}`)),
        },
        {
          label: '5 rooms (a scoped token)',
          user: { ...person, kind: 'bot', scopes: five },
          rooms: five.map(roomId),
        },
        { label: '1 room (`room`)', user: person, room: 'room7', rooms: [roomId('room7')] },
      ]
      // The plain way, each with its good plan: one room through its (room, seq) index, several by
      // the table newest first (`+` keeps SQLite off the room index), both stopping at a full page.
      const likes = new Map<string, Statement<unknown[], { id: number }>>()
      const likeStmt = (words: number, oneRoom: boolean) => {
        const key = `${words}-${oneRoom}`
        let stmt = likes.get(key)
        if (!stmt) {
          const where = Array.from({ length: words }, () => 'm.text LIKE ?').join(' AND ')
          stmt = sqlite.prepare<unknown[], { id: number }>(
            oneRoom
              ? `SELECT m.id FROM messages m WHERE m.room_id = ? AND m.deleted_at IS NULL AND ${where} ORDER BY m.seq DESC LIMIT 21`
              : `SELECT m.id FROM messages m WHERE +m.room_id IN (SELECT value FROM json_each(?)) AND m.deleted_at IS NULL AND ${where} ORDER BY m.id DESC LIMIT 21`,
          )
          likes.set(key, stmt)
        }
        return stmt
      }
      const rows: string[] = []
      const ratios: number[] = []
      /** Run `fn` at least `min` times, then on until 1000 runs or `budgetMs`; the times in ms. */
      const sample = (fn: () => unknown, min: number, budgetMs: number): number[] => {
        const out: number[] = []
        const until = performance.now() + budgetMs
        while (out.length < 1000 && (out.length < min || performance.now() < until)) {
          const t = performance.now()
          fn()
          out.push(performance.now() - t)
        }
        return out
      }
      for (const scope of scopes) {
        for (const c of QUERIES) {
          const request = { q: c.q, limit: 20, ...(scope.room ? { room: scope.room } : {}) }
          const search = () => hub.search.run(scope.user, request)
          const { match } = parseQuery(c.q)
          const find = () =>
            hub.search.index.find({
              match,
              rooms: scope.rooms,
              below: Number.MAX_SAFE_INTEGER,
              after: -8.64e15,
              before: 8.64e15,
              limit: 21,
            })
          const oneRoom = scope.rooms.length === 1
          const params = [
            oneRoom ? scope.rooms[0] : JSON.stringify(scope.rooms),
            ...c.like.map((w) => `%${w}%`),
          ]
          const like = () => likeStmt(c.like.length, oneRoom).all(...params)
          // Warm all three (page cache), then time them in turn.
          const page = search()
          find()
          like()
          const findMs = sample(find, 100, 1000)
          const searchMs = sample(search, 100, 1000)
          const likeMs = sample(like, runs, 2000)
          const ratio = quantile(likeMs, 0.5) / quantile(findMs, 0.5)
          ratios.push(ratio)
          const cells = [
            scope.label,
            c.label,
            `\`${c.q}\``,
            `${page.results.length}${page.more ? '+' : ''}`,
            ms(quantile(findMs, 0.5)),
            ms(quantile(findMs, 0.99)),
            ms(quantile(searchMs, 0.5)),
            ms(quantile(searchMs, 0.99)),
            ms(quantile(likeMs, 0.5)),
            likeMs.length >= 100
              ? ms(quantile(likeMs, 0.99))
              : `${ms(Math.max(...likeMs))} (max of ${likeMs.length})`,
            `**${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}×**`,
          ]
          rows.push(`| ${cells.join(' | ')} |`)
        }
      }
      return [
        `### Queries over ${MESSAGES.toLocaleString('en')} messages (${ROOMS} rooms, ${VOCABULARY.toLocaleString('en')}-word Zipf vocabulary)`,
        '',
        `Built in ${built.buildS.toFixed(1)} s (one transaction), indexed in ${built.indexS.toFixed(1)} s (batches of 2000); ${built.sizes}.`,
        "index: the page (21 ids with snippets) from the FTS5 index in these rooms; request: the whole `search` (rooms the user may read, index, 20 messages as history shows them); LIKE: the same 21 ids by `text LIKE '%word%'` newest first in the same rooms. p50/p99 over ≥100 runs (LIKE: at least --runs, as many as fit in 2 s). Ratio: LIKE p50 / index p50.",
        '',
        '| rooms | query | q | page | index p50 ms | index p99 ms | request p50 ms | request p99 ms | LIKE p50 ms | LIKE p99 ms | LIKE / index |',
        '|---|---|---|---|---|---|---|---|---|---|---|',
        ...rows,
        '',
        `Ratio over all cases: median ${median(ratios).toFixed(1)}×, smallest ${Math.min(...ratios).toFixed(2)}×, largest ${Math.max(...ratios).toFixed(0)}×.`,
      ].join('\n')
    } finally {
      await app.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

// --- commit --------------------------------------------------------------------------------------

type Variant = 'no index' | 'batched (this design)' | 'insert trigger'

interface Committer {
  variant: Variant
  dir: string
  db: Db
  store: MessageStore
  room: RoomState
  senderId: number
  times: number[]
  close(): Promise<void>
}

const PREFILL = 50_000
const COMMITS = 20_000

const committer = (variant: Variant, corpus: Corpus): Committer => {
  const dir = mkdtempSync(join(tmpdir(), 'chathub-bench-commit-'))
  const db = openDb(join(dir, DB_FILE))
  const sqlite = db.$client
  const user = insertUser(db, { name: 'alice', passwordHash: null })
  const row = createRoom(db, { name: 'general', isPrivate: false, topic: '', ownerId: user.id })
  if (variant === 'no index') {
    sqlite.exec(
      'DROP TRIGGER messages_search_update; DROP TRIGGER messages_search_delete; DROP TABLE messages_search',
    )
  }
  if (variant === 'insert trigger') {
    // Every row counts as indexed: edits and deletes go through the same triggers as in this design.
    sqlite.exec(`UPDATE messages_search_state SET indexed_to = 9007199254740991;
      CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_search (rowid, text, room_id) VALUES (new.id, new.text, new.room_id);
      END`)
  }
  const insert = sqlite.prepare(
    'INSERT INTO messages (room_id, seq, sender_id, txn, text, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  )
  sqlite
    .transaction(() => {
      for (let seq = 1; seq <= PREFILL; seq++)
        insert.run(row.id, seq, user.id, `p${seq}`, corpus.text(), Date.now())
    })
    .immediate()
  if (variant === 'batched (this design)') new SearchIndex(db).catchUp()
  const checkpointer = startCheckpointer(sqlite)
  return {
    variant,
    dir,
    db,
    store: new MessageStore(db),
    room: new RoomState(row.id, row.name, false, '', PREFILL),
    senderId: user.id,
    times: [],
    async close() {
      await checkpointer.close()
      sqlite.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

const runCommits = async (): Promise<string> => {
  const corpus = new Corpus()
  const variants: Variant[] = ['no index', 'batched (this design)', 'insert trigger']
  const all = variants.map((v) => committer(v, corpus))
  try {
    for (let i = 0; i < COMMITS; i++) {
      const text = corpus.text()
      for (const c of all) {
        const write = {
          kind: 'message' as const,
          room: c.room,
          seq: 0,
          duplicate: false,
          senderId: c.senderId,
          sender: 'alice',
          alias: undefined,
          bot: false,
          txn: `c${i}`,
          text,
          replyTo: undefined,
          ts: Date.now(),
        }
        const t = performance.now()
        c.store.commit([write])
        c.times.push((performance.now() - t) * 1000)
      }
    }
    // What the batches then cost this design: the indexer's rounds of 200 messages (250 ms at 800/s).
    const batched = all[1] as Committer
    const index = new SearchIndex(batched.db)
    const rounds: number[] = []
    while (index.pending()) {
      const t = performance.now()
      index.indexBatch(200)
      rounds.push(performance.now() - t)
    }
    const perMessage = (rounds.reduce((a, b) => a + b, 0) * 1000) / COMMITS
    const base = median(all[0]?.times ?? [])
    const rows = all.map((c) => {
      const mean = c.times.reduce((a, b) => a + b, 0) / c.times.length
      return `| ${c.variant} | ${median(c.times).toFixed(1)} | ${quantile(c.times, 0.99).toFixed(0)} | ${quantile(c.times, 0.999).toFixed(0)} | ${mean.toFixed(1)} | ${(median(c.times) / base).toFixed(2)}× |`
    })
    return [
      `### A one-message commit (${COMMITS.toLocaleString('en')} commits on ${PREFILL.toLocaleString('en')} stored messages, interleaved)`,
      '',
      '| index | median µs | p99 µs | p99.9 µs | mean µs | median vs no index |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
      `This design's indexer then added the ${COMMITS.toLocaleString('en')} messages in rounds of 200: ${perMessage.toFixed(1)} µs a message, a round ${ms(median(rounds))} ms (median), ${ms(quantile(rounds, 0.99))} ms (p99), ${ms(Math.max(...rounds))} ms at most.`,
    ].join('\n')
  } finally {
    for (const c of all) await c.close()
  }
}

export const runSearch = async (opts: { runs: number; only?: string }): Promise<string> => {
  const parts: string[] = []
  if (!opts.only || opts.only === 'commit') parts.push(await runCommits())
  if (!opts.only || opts.only === 'query') parts.push(await runQueries(opts.runs))
  return parts.join('\n\n')
}
