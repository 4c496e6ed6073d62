// Search (loaded on demand by search-button.tsx): a query with an optional room and sender, results
// newest first with their snippet — the matched words as <mark> elements built from the offsets
// (text nodes only, never HTML) — and "more results" paging with the cursor. Through the SDK's
// client.search: clear rooms are searched by the hub, and encrypted rooms, when this tab has the
// browser's device, on the device, in what it decrypted (docs/e2e.md, "Search"); those hits say so.
// Choosing a result shows the message in its room, in context (store.openAt). A modal <dialog>:
// Escape closes it.
import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { isChatError } from '#core/errors'
import type { SearchHit } from '#core/protocol/messages'
import type { ChatStore } from '../chat/store.ts'

/** Results per page. */
const LIMIT = 20

export interface SearchDialogProps {
  store: ChatStore
  open: boolean
  onOpen: () => void
  onClose: () => void
}

const errorText = (err: unknown): string => (isChatError(err) ? `${err.message} (${err.code})` : String(err))

const when = (ts: number): string => new Date(ts).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })

/** The snippet as text and <mark> elements: `marks` are [start, end) offsets in UTF-16 code units. */
export const markedSnippet = (snippet: string, marks: [number, number][]): ComponentChildren[] => {
  const out: ComponentChildren[] = []
  let at = 0
  for (const [start, end] of [...marks].sort((a, b) => a[0] - b[0])) {
    const from = Math.max(at, Math.min(start, snippet.length))
    const to = Math.min(end, snippet.length)
    if (to <= from) continue
    if (from > at) out.push(snippet.slice(at, from))
    out.push(<mark key={from}>{snippet.slice(from, to)}</mark>)
    at = to
  }
  if (at < snippet.length) out.push(snippet.slice(at))
  return out
}

export const SearchDialog = ({ store, open, onOpen, onClose }: SearchDialogProps) => {
  const dialog = useRef<HTMLDialogElement>(null)
  const query = useRef<HTMLInputElement>(null)
  const [q, setQ] = useState('')
  const [room, setRoom] = useState('')
  const [from, setFrom] = useState('')
  const [results, setResults] = useState<SearchHit[]>([])
  const [next, setNext] = useState<string>()
  /** What the results shown answer. */
  const [asked, setAsked] = useState<{ q: string; room: string; from: string }>()
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string>()

  useEffect(() => {
    const el = dialog.current
    if (!el) return
    if (open && !el.open) {
      el.showModal()
      query.current?.focus()
    } else if (!open && el.open) el.close()
  }, [open])

  const encrypted = store.memberRooms().some((r) => r.summary?.e2e !== undefined)

  const search = async (cursor?: string) => {
    const filters = cursor !== undefined && asked ? asked : { q: q.trim(), room, from: from.trim() }
    if (filters.q === '') return
    setBusy(true)
    setProblem(undefined)
    try {
      // The device searches the encrypted rooms once it is attached to the client (it usually is
      // already: an account with encrypted rooms wakes it when the chat starts).
      if (encrypted) await store.e2e.wake()
      const ack = await store.client.search(filters.q, {
        limit: LIMIT,
        ...(filters.room === '' ? {} : { room: filters.room }),
        ...(filters.from === '' ? {} : { from: filters.from }),
        ...(cursor === undefined ? {} : { cursor }),
      })
      setResults(cursor === undefined ? ack.results : [...results, ...ack.results])
      setNext(ack.more ? ack.cursor : undefined)
      setAsked(filters)
    } catch (err) {
      setProblem(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  const show = (hit: SearchHit) => {
    dialog.current?.close()
    store.openAt(hit.message.room, hit.message.seq).catch((err: unknown) => {
      setProblem(errorText(err))
      onOpen()
    })
  }

  const roomTitle = (name: string): string => {
    const summary = store.rooms.get(name)?.summary
    return summary?.kind === 'direct' ? `@${summary.peer ?? 'removed user'}` : `#${name}`
  }

  return (
    <dialog
      ref={dialog}
      class="search-dialog"
      aria-labelledby="search-title"
      onClose={onClose}
      onClick={(e) => {
        if (e.target === e.currentTarget) e.currentTarget.close() // a click on the backdrop
      }}
    >
      <div class="search-body">
        <header>
          <h2 id="search-title">Search messages</h2>
          <button type="button" class="link" onClick={() => dialog.current?.close()}>
            close
          </button>
        </header>
        <form
          class="search-form"
          role="search"
          onSubmit={(e) => {
            e.preventDefault()
            void search()
          }}
        >
          <label class="search-query">
            Words
            <input ref={query} type="search" value={q} required maxLength={256} onInput={(e) => setQ(e.currentTarget.value)} />
          </label>
          <label>
            Room
            <select value={room} onChange={(e) => setRoom(e.currentTarget.value)}>
              <option value="">All rooms</option>
              {store.memberRooms().map((r) => (
                <option key={r.name} value={r.name}>
                  {roomTitle(r.name)}
                </option>
              ))}
            </select>
          </label>
          <label>
            From
            <input value={from} placeholder="anyone" maxLength={64} onInput={(e) => setFrom(e.currentTarget.value)} />
          </label>
          <button type="submit" disabled={busy}>
            Search
          </button>
        </form>
        {encrypted && <EncryptedRoomsHint store={store} />}
        {problem !== undefined && (
          <p class="error" role="alert">
            {problem}
          </p>
        )}
        <p class="search-status" role="status">
          {busy
            ? 'Searching…'
            : asked === undefined
              ? ''
              : results.length === 0
                ? `Nothing found for “${asked.q}”.`
                : `${results.length}${next === undefined ? '' : '+'} ${results.length === 1 ? 'message' : 'messages'} for “${asked.q}”, newest first.`}
        </p>
        {results.length > 0 && (
          <ol class="search-results" aria-label="Search results">
            {results.map((hit) => (
              <li key={`${hit.message.room}#${hit.message.seq}`}>
                <button type="button" class="search-hit" onClick={() => show(hit)}>
                  <span class="hit-meta">
                    <span class="hit-room">{roomTitle(hit.message.room)}</span> <span class="from">{hit.message.from}</span>{' '}
                    <time dateTime={new Date(hit.message.ts).toISOString()}>{when(hit.message.ts)}</time>
                    {hit.source === 'device' && <span class="tag hit-source">on this device</span>}
                  </span>
                  <span class="hit-snippet">{markedSnippet(hit.snippet, hit.marks)}</span>
                </button>
              </li>
            ))}
          </ol>
        )}
        {next !== undefined && (
          <button type="button" class="more-results" disabled={busy} onClick={() => void search(next)}>
            More results
          </button>
        )}
      </div>
    </dialog>
  )
}

/** Where encrypted rooms are searched: on this browser's device, or not in this tab (and why). */
const EncryptedRoomsHint = ({ store }: { store: ChatStore }) => {
  const problem = store.e2e.problem()
  return problem === undefined ? (
    <p class="hint">
      Encrypted rooms are searched on this device, in what it decrypted: nothing from before it joined them. Those results
      say “on this device”.
    </p>
  ) : (
    <p class="hint">Encrypted rooms are not searched in this tab. {problem}</p>
  )
}
