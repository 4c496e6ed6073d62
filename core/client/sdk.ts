// The client SDK: login over HTTP, one authenticated WebSocket, typed requests (ref -> ack/error),
// events, resume after a reconnect, and an outbox that re-sends unanswered messages (same txn) after
// it. Used by the CLI, the tests, bots, bridges, benchmarks and the browser client: it runs in Node
// and in browsers alike (the WebSocket and HTTP come from #core/client/platform; no Node imports).
import { ChatError, coreErrors } from '#core/errors'
import { httpRequest, openSocket, toBytes } from '#core/client/platform'
import { Emitter } from './emitter.ts'
import type { HttpResponse, Socket, SocketOptions } from './platform.ts'
import type {
  AckFrame,
  AttachmentView,
  ClientFrameOf,
  ClientFrameType,
  ErrorFrame,
  EventFrame,
  EventOf,
  EventType,
  SearchHit,
  ServerFrame,
} from '#core/protocol/messages'
import { CloseCodes } from '#core/protocol/close-codes'
import { SEARCH_START, type SearchPosition, decodeCursor, fromHub, mergePages } from './search-merge.ts'

export interface LoginResult {
  token: string
  user: string
  admin: boolean
  expiresAt: string | null
}

export interface ConnectOptions extends SocketOptions {
  /** Seconds to wait for a request's ack before failing it. */
  timeoutSeconds?: number
}

type Timer = ReturnType<typeof setTimeout>

/** A random UUID (v4); crypto.randomUUID only exists in a browser's secure contexts (https, localhost). */
export const randomId = (): string => {
  if (typeof globalThis.crypto.randomUUID === 'function') return globalThis.crypto.randomUUID()
  const b = globalThis.crypto.getRandomValues(new Uint8Array(16))
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export type Request<T extends ClientFrameType> = Omit<ClientFrameOf<T>, 'ref' | 'type'>

export interface SayOptions {
  txn?: string
  replyTo?: number
  attachments?: string[]
  /**
   * The uploads' views, as `upload` returned them: in an E2E room they carry the files' keys (an
   * upload made on another connection of this client is sent by them; ids alone are not enough).
   */
  files?: AttachmentView[]
}

/**
 * What an end-to-end session (core/client/e2e/session.ts) plugs into a client: it takes the MLS
 * messages of E2E rooms and gives them back decrypted (`inject`), and sends, reads and joins in
 * E2E rooms go through it. Without one, a client sees E2E rooms' messages with `text: null` and
 * the hub refuses its sends there.
 */
export interface E2eLayer {
  /** The frame is the layer's (an MLS message of an E2E room): the client neither keeps nor emits it. */
  takes(frame: ServerFrame): boolean
  /** After every (re)authentication, before rooms are resumed: bind this connection's device again. */
  relink(): Promise<void>
  /** Whether `room` is end-to-end encrypted (asks the hub when the layer does not know yet). */
  isE2e(room: string): Promise<boolean>
  /** A join was acknowledged: the layer takes the group's Welcome and catches up before join() resolves. */
  joined(ack: AckFrame<'join'>): Promise<void>
  say(room: string, text: string, options: SayOptions): Promise<AckFrame<'say'>>
  history(room: string, options: { before?: number; limit?: number; thread?: number }): Promise<AckFrame<'history'>>
  /** Create an E2E room: the hub's room, then the group on this device. */
  create(room: string, options: { private?: boolean; topic?: string }): Promise<AckFrame<'create'>>
  /** Invite `user` into an E2E room: the hub's invitation, then their devices into the group. */
  invite(room: string, user: string): Promise<AckFrame<'invite'>>
  /**
   * Open the direct conversation with `user`; a new one is end-to-end encrypted when `e2e` asks it or
   * the hub requires it: the hub's room, then the group on this device with `user`'s devices in it.
   */
  openDirect(user: string, options: { e2e?: boolean }): Promise<AckFrame<'dm'>>
  /**
   * Search this device's decrypted logs of E2E rooms (one, or every one you are a member of), after
   * `below` (the previous page's last hit); `rooms`: how many were searched.
   */
  search(
    q: string,
    options: { room?: string; from?: string; after?: number | string; before?: number | string; limit?: number; below?: SearchPosition },
  ): Promise<{ results: SearchHit[]; more: boolean; rooms: number }>
  /**
   * A file for an E2E room: encrypted here under a key of its own, `store` uploads the ciphertext;
   * the view returned (with `e2e`) is what `say` then sends by its id.
   */
  upload(
    room: string,
    bytes: Uint8Array,
    options: { name?: string; mime?: string },
    store: (ciphertext: Uint8Array) => Promise<AttachmentView>,
  ): Promise<AttachmentView>
  /** Edits, deletes and reactions in an E2E room travel encrypted. */
  edit(room: string, seq: number, text: string): Promise<AckFrame<'edit'>>
  delete(room: string, seq: number): Promise<AckFrame<'delete'>>
  react(room: string, seq: number, emoji: string, remove: boolean): Promise<AckFrame<'react'>>
}

/** A request waiting for its answer on the current socket. */
interface Pending {
  resolve: (f: AckFrame) => void
  reject: (e: ChatError) => void
  /** The request's timeout; a `say` has its timeout on its outbox entry instead. */
  timer?: Timer
  /** Set for a `say`: it stays in the outbox if the socket drops before the answer. */
  send?: OutboxEntry
}

/** A `say` not answered yet: sent on the current socket (`ref`), or waiting for the next one. */
interface OutboxEntry {
  body: Request<'say'>
  resolve: (f: AckFrame<'say'>) => void
  reject: (e: ChatError) => void
  timer: Timer
  /** The ref of the attempt in flight; undefined while no socket carries it. */
  ref: string | undefined
}

/** A ChatError of an error frame; its other fields (e.g. `epoch` with CHATHUB_E2E_STALE_EPOCH) become `details`. */
const errorOf = (frame: ErrorFrame): ChatError => {
  const { type: _type, ref: _ref, code, message, retryAfter, ...details } = frame
  return new ChatError(code, message, 400, { retryAfter, ...(Object.keys(details).length > 0 ? { details } : {}) })
}

/** The Authorization header for a token; none in a browser, where the session is the hub's cookie. */
const bearer = (token: string | undefined): Record<string, string> =>
  token === undefined || token === '' ? {} : { authorization: `Bearer ${token}` }

/** The `auth` frame's body: the token, or nothing (the cookie of the upgrade request). */
const authBody = (token: string | undefined) => (token === undefined ? {} : { token }) as Request<'auth'>

const wsUrl = (server: string): string => {
  const url = new URL('/api/v1/ws', server)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  return url.href
}

/**
 * Call the hub's HTTP API; errors come back as ChatError with the server's code, status and
 * `retryAfter`, and the body's other fields as `details` (e.g. `ticket` with TOTP_CODE_REQUIRED).
 */
export const httpCall = async <T>(
  server: string,
  path: string,
  init: { method?: string; token?: string; body?: unknown } = {},
): Promise<T> => {
  const headers: Record<string, string> = {}
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  Object.assign(headers, bearer(init.token))
  let res: HttpResponse
  try {
    res = await httpRequest(new URL(path, server), {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    })
  } catch {
    throw coreErrors.serverUnreachable(server)
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>
  if (!res.ok) {
    const { code, message, retryAfter, ...details } = { ...body }
    // Extra fields (e.g. the pending-login `ticket` of TOTP_CODE_REQUIRED) stay on the error.
    throw new ChatError(
      typeof code === 'string' ? code : 'CHATHUB_HTTP_ERROR',
      typeof message === 'string' ? message : `HTTP ${res.status}`,
      res.status,
      {
        retryAfter: typeof retryAfter === 'number' ? retryAfter : undefined,
        ...(Object.keys(details).length > 0 ? { details } : {}),
      },
    )
  }
  return body as T
}

/** A downloaded attachment: its bytes and what the hub says about them. */
export interface Downloaded {
  bytes: Uint8Array
  mime: string
  /** The display name from Content-Disposition (never use it as a path unchecked). */
  name: string
}

export const failure = async (res: Pick<HttpResponse, 'status' | 'json'>): Promise<ChatError> => {
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>
  const code = typeof body.code === 'string' ? body.code : 'CHATHUB_HTTP_ERROR'
  const message = typeof body.message === 'string' ? body.message : `HTTP ${res.status}`
  return new ChatError(code, message, res.status)
}

/** POST /api/v1/rooms/:room/attachments with the bytes as the body. */
export const uploadAttachment = async (
  server: string,
  token: string | undefined,
  room: string,
  bytes: Uint8Array,
  options: { name?: string; mime?: string } = {},
): Promise<AttachmentView> => {
  const url = new URL(`/api/v1/rooms/${encodeURIComponent(room)}/attachments`, server)
  if (options.name !== undefined) url.searchParams.set('name', options.name)
  let res: HttpResponse
  try {
    res = await httpRequest(url, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': options.mime ?? 'application/octet-stream' },
      body: bytes,
    })
  } catch {
    throw coreErrors.serverUnreachable(server)
  }
  if (!res.ok) throw await failure(res)
  return (await res.json()) as AttachmentView
}

/** GET /api/v1/attachments/:id (or its thumbnail). */
export const downloadAttachment = async (
  server: string,
  token: string | undefined,
  id: string,
  variant?: 'thumbnail',
): Promise<Downloaded> => {
  const path = `/api/v1/attachments/${encodeURIComponent(id)}${variant ? `/${variant}` : ''}`
  let res: HttpResponse
  try {
    res = await httpRequest(new URL(path, server), { headers: bearer(token) })
  } catch {
    throw coreErrors.serverUnreachable(server)
  }
  if (!res.ok) throw await failure(res)
  return {
    bytes: toBytes(await res.arrayBuffer()),
    mime: res.headers.get('content-type') ?? 'application/octet-stream',
    name: dispositionName(res.headers.get('content-disposition') ?? '', id),
  }
}

/** The file name of a Content-Disposition header (RFC 6266 `filename*`), or `fallback`. */
export const dispositionName = (disposition: string, fallback: string): string => {
  const exact = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1]
  try {
    if (exact) return decodeURIComponent(exact)
  } catch {
    // a malformed header keeps the fallback
  }
  return fallback
}

export class ChatClient extends Emitter {
  private readonly pending = new Map<string, Pending>()
  /**
   * Sends without an answer yet, in the order they were made. A socket that drops leaves them here
   * (their promises pending); reconnect() sends them again with the same txn, which the hub stores
   * at most once per (room, sender, txn).
   */
  private readonly outbox = new Set<OutboxEntry>()
  /** Sends go out at once only while linked: authenticated, and after a reconnect, resumed and re-sent. */
  private linked = false
  /** The hub said it is shutting down on this socket: requests are refused here, not sent. */
  private leaving: ErrorFrame | undefined = undefined
  private counter = 0
  /** Highest sequence number seen per room, for resume. */
  readonly lastSeq = new Map<string, number>()
  /** Highest change counter seen per room (edits and deletes), for resume. */
  readonly lastRev = new Map<string, number>()
  /** Frames received and not yet taken by next(); bounded. */
  private readonly inbox: ServerFrame[] = []
  private readonly waiters: { match: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = []
  user = ''
  closeCode: number | undefined
  /** The end-to-end session, once one is attached with useE2e(). */
  private e2e: E2eLayer | undefined

  private constructor(
    readonly server: string,
    private ws: Socket,
    /** undefined in a browser: the socket's upgrade carried the session cookie. */
    private readonly token: string | undefined,
    private readonly options: ConnectOptions,
  ) {
    super()
    this.attach(ws)
  }

  static login(server: string, user: string, password: string, extra: Record<string, unknown> = {}): Promise<LoginResult> {
    return httpCall<LoginResult>(server, '/api/v1/login', { body: { user, password, ...extra } })
  }

  /**
   * Open a WebSocket and authenticate with a session or bot token; with `token` undefined (in a
   * browser), with the session cookie the upgrade request carried.
   */
  static async connect(server: string, token: string | undefined, options: ConnectOptions = {}): Promise<ChatClient> {
    const ws = await openSocket(wsUrl(server), server, options)
    const client = new ChatClient(server, ws, token, options)
    const ack = await client.request('auth', authBody(token))
    client.user = ack.user
    client.linked = true
    return client
  }

  private attach(ws: Socket): void {
    ws.attach({
      message: (text) => this.onFrame(text),
      close: (code, reason) => {
        this.closeCode = code
        this.dropped(new ChatError('CHATHUB_CONNECTION_CLOSED', `Connection closed (${code} ${reason}).`, 503))
        this.emit('close', code, reason)
      },
      error: (err) => this.emit('socket-error', err),
    })
  }

  /** The socket is gone: its requests fail with `err`, except sends, which wait in the outbox. */
  private dropped(err: ChatError): void {
    this.linked = false
    for (const p of this.pending.values()) {
      if (p.send) {
        p.send.ref = undefined
        continue
      }
      clearTimeout(p.timer)
      p.reject(err)
    }
    this.pending.clear()
  }

  private onFrame(text: string): void {
    let frame: ServerFrame
    try {
      frame = JSON.parse(text) as ServerFrame
    } catch {
      return
    }
    if (frame.type === 'ack' || (frame.type === 'error' && frame.ref !== undefined)) {
      const p = this.pending.get(frame.ref as string)
      if (p) {
        this.pending.delete(frame.ref as string)
        clearTimeout(p.timer)
        if (frame.type === 'ack') p.resolve(frame)
        else p.reject(errorOf(frame))
        if (frame.type === 'ack') return
      }
    } else if (frame.type === 'error' && frame.code === 'CHATHUB_SHUTTING_DOWN') {
      // The hub is draining: it answers what is on its way, then closes this socket (1001).
      this.leaving = frame
    }
    if (frame.type === 'kicked') {
      this.forget(frame.room)
    } else if (frame.type === 'message') {
      const prev = this.lastSeq.get(frame.room) ?? 0
      if (frame.seq > prev) this.lastSeq.set(frame.room, frame.seq)
    } else if (frame.type === 'edited' || frame.type === 'deleted') {
      if (frame.rev > (this.lastRev.get(frame.room) ?? 0)) this.lastRev.set(frame.room, frame.rev)
    }
    if (this.e2e?.takes(frame)) return
    this.inject(frame)
  }

  /** Hand a frame to waiters and listeners as if it had just arrived (the E2E layer's decrypted messages). */
  inject(frame: ServerFrame): void {
    this.deliver(frame)
    // EventEmitter throws on an 'error' event nobody listens to: error frames are data, not crashes.
    if (frame.type !== 'error' || this.listenerCount('error') > 0) this.emit(frame.type, frame)
    this.emit('frame', frame)
  }

  /** Attach an end-to-end session (it binds its device now, and again after every reconnect). */
  async useE2e(layer: E2eLayer): Promise<void> {
    this.e2e = layer
    await layer.relink()
  }

  private deliver(frame: ServerFrame): void {
    const i = this.waiters.findIndex((w) => w.match(frame))
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1)
      w?.resolve(frame)
      return
    }
    this.inbox.push(frame)
    if (this.inbox.length > 10_000) this.inbox.shift()
  }

  /** Send a frame and wait for its ack; an error frame rejects with a ChatError carrying its code. */
  request<T extends ClientFrameType>(type: T, body: Request<T>): Promise<AckFrame<T>> {
    if (this.leaving) return this.refuseLeaving()
    const ref = `r${++this.counter}`
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(ref)
        reject(new ChatError('CHATHUB_TIMEOUT', `No answer to "${type}" in time.`, 504))
      }, this.timeoutMs)
      this.pending.set(ref, { resolve: resolve as (f: AckFrame) => void, reject, timer })
      this.sendRaw(JSON.stringify({ type, ref, ...body }))
    })
  }

  /** A request made after the hub announced its shutdown: refused as the hub would refuse it. */
  private refuseLeaving(): Promise<never> {
    const f = this.leaving as ErrorFrame
    return Promise.reject(new ChatError(f.code, f.message, 503, { retryAfter: f.retryAfter }))
  }

  private get timeoutMs(): number {
    return (this.options.timeoutSeconds ?? 15) * 1000
  }

  /** Send (or send again) an outbox entry on the current socket. */
  private transmit(entry: OutboxEntry): void {
    const ref = `r${++this.counter}`
    entry.ref = ref
    this.pending.set(ref, {
      resolve: (f) => {
        this.settle(entry)
        entry.resolve(f as AckFrame<'say'>)
      },
      reject: (e) => {
        this.settle(entry)
        entry.reject(e)
      },
      send: entry,
    })
    this.sendRaw(JSON.stringify({ type: 'say', ref, ...entry.body }))
  }

  /** Take an answered or abandoned entry out of the outbox. */
  private settle(entry: OutboxEntry): void {
    this.outbox.delete(entry)
    clearTimeout(entry.timer)
    if (entry.ref !== undefined) this.pending.delete(entry.ref)
    entry.ref = undefined
  }

  /** Fail an unanswered send; the error carries its `txn` (details.txn) for a manual, idempotent retry. */
  private abandon(entry: OutboxEntry, code: string, message: string, status: number): void {
    this.settle(entry)
    entry.reject(new ChatError(code, message, status, { details: { txn: entry.body.txn } }))
  }

  /** Send raw text (tests use it for garbage). */
  sendRaw(text: string | Uint8Array): void {
    if (this.ws.open) this.ws.send(text)
  }

  /** The next frame of a type (already received or yet to come), optionally matching a predicate. */
  next<T extends EventType | 'error'>(
    type: T,
    predicate: (f: T extends 'error' ? ErrorFrame : EventOf<Exclude<T, 'error'>>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<T extends 'error' ? ErrorFrame : EventOf<Exclude<T, 'error'>>> {
    type F = T extends 'error' ? ErrorFrame : EventOf<Exclude<T, 'error'>>
    const match = (f: ServerFrame) => f.type === type && predicate(f as F)
    const i = this.inbox.findIndex(match)
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0] as F)
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (f: ServerFrame) => {
          clearTimeout(timer)
          resolve(f as F)
        },
      }
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1)
        reject(new ChatError('CHATHUB_TIMEOUT', `No "${type}" frame in ${timeoutMs} ms.`, 504))
      }, timeoutMs)
      this.waiters.push(waiter)
    })
  }

  /** Frames received and not taken by next(), then forgotten. */
  drain(): ServerFrame[] {
    return this.inbox.splice(0)
  }

  /** Follow a room; with `since` (and `rev`), first replay what was missed after them. */
  async join(room: string, since?: number, rev?: number) {
    const ack = await this.request('join', {
      room,
      ...(since === undefined ? {} : { since }),
      ...(rev === undefined ? {} : { rev }),
    })
    // Remember where this room stands, so that a later resume asks for what came after.
    if (!ack.more) {
      if (!this.lastSeq.has(ack.room)) this.lastSeq.set(ack.room, since ?? ack.seq)
      if (ack.rev > (this.lastRev.get(ack.room) ?? 0)) this.lastRev.set(ack.room, ack.rev)
    }
    if (ack.e2e && this.e2e) await this.e2e.joined(ack)
    return ack
  }
  /** Stop following a room (and leave it): a later reconnect no longer resumes it. */
  async leave(room: string) {
    const ack = await this.request('leave', { room })
    this.forget(room)
    return ack
  }

  /** A room this client no longer follows (left, kicked, banned, deleted): not resumed on reconnect. */
  private forget(room: string): void {
    this.lastSeq.delete(room)
    this.lastRev.delete(room)
  }
  /** With `e2e`, an end-to-end encrypted room, made on this client's device (needs useE2e). */
  create(room: string, options: { private?: boolean; topic?: string; e2e?: boolean } = {}) {
    const { e2e, ...clear } = options
    if (!e2e) return this.request('create', { room, ...clear })
    if (!this.e2e) return Promise.reject(new ChatError('E2E_NO_DEVICE', 'This client has no end-to-end session: it cannot create an E2E room.', 400))
    return this.e2e.create(room, clear)
  }
  /**
   * Send a message; `txn` makes a retry idempotent (a random one is chosen if absent).
   * `attachments` are ids returned by `upload` to the same room.
   *
   * The send stays in the client's outbox until the hub answers it. If the socket drops first, the
   * promise stays pending: `reconnect()` sends it again with the same `txn` after resuming the
   * rooms (a send made while disconnected waits for it too, in order), and the promise resolves
   * with that ack (`duplicate: true` when the first attempt had been stored). It rejects with the
   * hub's error, with CHATHUB_TIMEOUT when no answer comes within `timeoutSeconds` (connected or
   * not), or with CHATHUB_CONNECTION_CLOSED on `close()`; those two carry `details.txn`.
   */
  say(room: string, text: string, options: SayOptions = {}): Promise<AckFrame<'say'>> {
    if (this.leaving) return this.refuseLeaving()
    // With an E2E session, no text goes to a room before it is known not to be end-to-end encrypted.
    const e2e = this.e2e
    if (e2e) return e2e.isE2e(room).then((yes) => (yes ? e2e.say(room, text, options) : this.sayClear(room, text, options)))
    return this.sayClear(room, text, options)
  }

  private sayClear(room: string, text: string, options: SayOptions): Promise<AckFrame<'say'>> {
    const body: Request<'say'> = {
      room,
      text,
      txn: options.txn ?? randomId(),
      ...(options.replyTo ? { replyTo: options.replyTo } : {}),
      ...(options.attachments?.length ? { attachments: options.attachments } : {}),
    }
    return new Promise((resolve, reject) => {
      const entry: OutboxEntry = {
        body,
        resolve,
        reject,
        ref: undefined,
        timer: setTimeout(() => this.abandon(entry, 'CHATHUB_TIMEOUT', 'No answer to "say" in time.', 504), this.timeoutMs),
      }
      this.outbox.add(entry)
      if (this.linked) this.transmit(entry)
    })
  }
  /** Upload a file to a room over HTTP (the hub sniffs its type); send its id with `say`. */
  async upload(room: string, bytes: Uint8Array, options: { name?: string; mime?: string } = {}): Promise<AttachmentView> {
    if (this.e2e && (await this.e2e.isE2e(room))) {
      // The hub gets opaque bytes under a name that says nothing; the real one is in the message.
      const opaque = { name: 'encrypted.bin', mime: 'application/octet-stream' }
      return this.e2e.upload(room, bytes, options, (ciphertext) => uploadAttachment(this.server, this.token, room, ciphertext, opaque))
    }
    return uploadAttachment(this.server, this.token, room, bytes, options)
  }
  /** An attachment's bytes as sent: downloaded, and decrypted with its key when it is from an E2E room. */
  async fetchFile(file: AttachmentView): Promise<Uint8Array> {
    const { bytes } = await this.download(file.id)
    if (!file.e2e) return bytes
    const { decryptFile } = await import('./e2e/file-crypto.ts')
    return decryptFile(bytes, file.e2e.key, file.e2e.sha256)
  }
  /** Download an attachment (members of its room only): the stored bytes, byte for byte. */
  download(id: string): Promise<Downloaded> {
    return downloadAttachment(this.server, this.token, id)
  }
  /** Download an attachment as a stream (large files: nothing is held in memory). */
  /** An image attachment's thumbnail (WebP). */
  thumbnail(id: string): Promise<Downloaded> {
    return downloadAttachment(this.server, this.token, id, 'thumbnail')
  }
  async edit(room: string, seq: number, text: string) {
    if (this.e2e && (await this.e2e.isE2e(room))) return this.e2e.edit(room, seq, text)
    return this.request('edit', { room, seq, text })
  }
  async delete(room: string, seq: number) {
    if (this.e2e && (await this.e2e.isE2e(room))) return this.e2e.delete(room, seq)
    return this.request('delete', { room, seq })
  }
  /** Follow a thread (by its root's seq): a `thread` event comes for each reply. `false` stops. */
  followThread(room: string, seq: number, follow = true) {
    return this.request('thread', { room, seq, follow })
  }
  /** Add your reaction to a message (one emoji), or take it back with `remove`. */
  async react(room: string, seq: number, emoji: string, options: { remove?: boolean } = {}) {
    if (this.e2e && (await this.e2e.isE2e(room))) return this.e2e.react(room, seq, emoji, options.remove ?? false)
    return this.request('react', { room, seq, emoji, ...(options.remove ? { remove: true } : {}) })
  }
  /** A page of history (oldest first), before `before`; with `thread`, that thread only (its root first). */
  async history(room: string, options: { before?: number; limit?: number; thread?: number } = {}) {
    // In an E2E room, what this device decrypted (the hub's copy is ciphertext it cannot read again).
    if (this.e2e && (await this.e2e.isE2e(room))) return this.e2e.history(room, options)
    return this.request('history', { room, ...options })
  }
  typing(room: string) {
    return this.request('typing', { room })
  }
  /**
   * Full-text search of the messages you may read, newest first: words, "phrases", prefix*,
   * -left-out, OR. Filters: `room`, `from` (a user or `name@network`), `after` / `before` (ms or an
   * ISO date). With `more`, pass the ack's `cursor` for the next (older) page.
   *
   * Clear rooms are searched by the hub; with an E2E session, E2E rooms (whose text the hub never
   * has) by this device, in what it decrypted. Both come in one page, newest first, each hit with
   * its `source` (`hub` or `device`); such a page holds the hub's page and the device's hits of the
   * same stretch of time, so up to twice `limit` (core/client/search-merge.ts).
   */
  async search(q: string, options: Omit<Request<'search'>, 'q'> = {}): Promise<AckFrame<'search'>> {
    const e2e = this.e2e
    const { cursor, ...filters } = options
    const hub = (at: string | undefined) =>
      this.request('search', { q, ...filters, ...(at === undefined ? {} : { cursor: at }) }).then(fromHub)
    if (!e2e) return hub(cursor)
    const state = cursor === undefined ? SEARCH_START : decodeCursor(cursor)
    // A room names one place to search: the device for an E2E room, the hub for a clear one.
    const e2eRoom = filters.room !== undefined && (await e2e.isE2e(filters.room))
    const onDevice = !state.deviceDone && (filters.room === undefined || e2eRoom)
    const onHub = !state.hubDone && !e2eRoom
    const empty: AckFrame<'search'> = { type: 'ack', ref: '', results: [], more: false }
    const fromTheHub = onHub ? await hub(state.hub) : empty
    if (!onDevice) return fromTheHub
    const below = state.device ? { below: state.device } : {}
    const device = await e2e.search(q, { ...filters, ...below })
    // No E2E room to search: the hub's page as it is, with its own cursor.
    if (device.rooms === 0 && cursor === undefined) return fromTheHub
    return { type: 'ack', ref: fromTheHub.ref, ...mergePages(state, fromTheHub, device) }
  }
  rooms() {
    return this.request('rooms', {})
  }
  members(room: string) {
    return this.request('members', { room })
  }
  /** The chat commands you may run in a room (what `/help` lists there). */
  commands(room: string) {
    return this.request('commands', { room })
  }
  async invite(room: string, user: string) {
    if (this.e2e && (await this.e2e.isE2e(room))) return this.e2e.invite(room, user)
    return this.request('invite', { room, user })
  }
  kick(room: string, user: string, reason?: string) {
    return this.request('kick', reason === undefined ? { room, user } : { room, user, reason })
  }
  ban(room: string, user: string, reason?: string) {
    return this.request('ban', reason === undefined ? { room, user } : { room, user, reason })
  }
  unban(room: string, user: string) {
    return this.request('unban', { room, user })
  }
  /** Owners only: make a member a moderator, or a member again. */
  setRole(room: string, user: string, role: 'moderator' | 'member') {
    return this.request('role', { room, user, role })
  }
  /** Set the room's topic (moderators and owners; `""` clears it); followers get a `topic` event. */
  topic(room: string, topic: string) {
    return this.request('topic', { room, topic })
  }
  /**
   * Mark the room read up to `seq` (what you have shown): your marker only moves forward and stops at
   * the newest message. The ack is the stored marker with what is still unread; your other
   * connections get a `read` event.
   */
  read(room: string, seq: number) {
    return this.request('read', { room, seq })
  }
  /** Moderators and owners: turn the room's read receipts ("seen by") on or off. */
  setReceipts(room: string, enabled: boolean) {
    return this.request('receipts', { room, enabled })
  }
  /**
   * Open the direct conversation with `user` (the same room every time, from either side) and
   * follow it on this connection; `ack.room` is the room to `say`, `history`, `join since` in.
   * The peer's open connections receive it without doing anything.
   *
   * With an E2E session, a new conversation is end-to-end encrypted when `e2e` asks it or the hub
   * requires it (`e2e.directMessages`): its group is made on this device (`ack.e2e`). An existing
   * conversation stays as it is: check `ack.e2e` when it matters.
   */
  openDirect(user: string, options: { e2e?: boolean } = {}): Promise<AckFrame<'dm'>> {
    if (this.e2e) return this.e2e.openDirect(user, options)
    if (options.e2e) return Promise.reject(new ChatError('E2E_NO_DEVICE', 'This client has no end-to-end session: it cannot open an end-to-end encrypted conversation.', 400))
    return this.request('dm', { user })
  }
  /** Open the direct conversation with `user` if needed and send `text` there. */
  async sayDirect(user: string, text: string, options: SayOptions = {}) {
    const { room } = await this.openDirect(user)
    return this.say(room, text, options)
  }

  /**
   * Join and receive everything missed since `since` (default: the last seq this client saw),
   * asking again while the hub says there is more; returns the replayed messages in order.
   */
  async resume(room: string, since = this.lastSeq.get(room) ?? 0): Promise<EventOf<'message'>[]> {
    const replayed: EventOf<'message'>[] = []
    const collect = (f: EventFrame) => {
      if (f.type === 'message' && f.room === room) replayed.push(f)
    }
    this.on('message', collect)
    try {
      let from = since
      // Unknown (this client never followed the room): no edits are replayed, only messages.
      let rev = this.lastRev.get(room)
      for (;;) {
        const ack = await this.join(room, from, rev)
        if (!ack.more) break
        from = ack.seq
        rev = ack.rev
      }
    } finally {
      this.off('message', collect)
    }
    return replayed
  }

  /**
   * Open a new socket with the same token (after a drop), resume every room seen so far, then send
   * the outbox again (unanswered `say`s, oldest first, with their txn). Requests other than `say`
   * still waiting on the old socket fail with CHATHUB_CONNECTION_CLOSED.
   */
  async reconnect(): Promise<void> {
    const old = this.ws
    old.detach()
    old.terminate()
    this.dropped(new ChatError('CHATHUB_CONNECTION_CLOSED', 'Connection closed (reconnecting).', 503))
    this.ws = await openSocket(wsUrl(this.server), this.server, this.options)
    this.leaving = undefined
    this.attach(this.ws)
    await this.request('auth', authBody(this.token))
    await this.e2e?.relink()
    for (const room of this.lastSeq.keys()) await this.resume(room)
    for (const entry of this.outbox) this.transmit(entry)
    this.linked = true
  }

  get open(): boolean {
    return this.ws.open
  }

  /** Close and wait until the socket is closed; unanswered sends fail with CHATHUB_CONNECTION_CLOSED. */
  close(): Promise<void> {
    this.linked = false
    for (const entry of [...this.outbox]) {
      this.abandon(entry, 'CHATHUB_CONNECTION_CLOSED', 'Connection closed by the client before the hub answered.', 503)
    }
    if (this.ws.closed) return Promise.resolve()
    const ws = this.ws
    return new Promise((resolve) => {
      ws.onceClosed(() => resolve())
      ws.close(CloseCodes.normal)
      const timer: { unref?: () => void } = setTimeout(() => {
        ws.terminate()
        resolve()
      }, 2000)
      timer.unref?.()
    })
  }

  /** Wait until the server closes the socket; resolves with the close code. */
  closed(timeoutMs = 10_000): Promise<number> {
    if (this.ws.closed) return Promise.resolve(this.closeCode ?? 1006)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new ChatError('CHATHUB_TIMEOUT', 'socket still open', 504)), timeoutMs)
      this.ws.onceClosed((code) => {
        clearTimeout(timer)
        resolve(code)
      })
    })
  }
}
