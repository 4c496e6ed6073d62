// One link at run time: a hub client (bridge account, token scoped to the room) on one side, the
// network's BridgeConnection on the other; the persisted outbound queue and hub cursor between them,
// the ledger for edits/deletes/replies, and reconnects with back-off on both sides.
import { createHash } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { ChatClient } from '#core/client/sdk'
import { type Db, writeTransaction } from '#core/db/client'
import { isChatError } from '#core/errors'
import type { EventOf } from '#core/protocol/messages'
import type {
  BridgeConnection,
  BridgeDefinition,
  BridgeOptionsValue,
  InboundEvent,
  LinkInfo,
  OutboundItem,
} from './contract.ts'
import * as q from './queries.ts'
import { correctionLine, splitText } from './text.ts'

/** What the queue stores: the item and whether delivering it creates ledger rows. */
interface QueuedItem {
  item: OutboundItem
  /** Corrections and drop notices are not hub messages of their own. */
  ledger: boolean
}

export interface WorkerDeps {
  definition: BridgeDefinition
  db: Db
  log: FastifyBaseLogger
  options: BridgeOptionsValue
  /** The bridge account's name (messages it relayed carry it as `via`). */
  account: string
  /** A fresh token for the bridge account scoped to the room, and a way to revoke it. */
  token(room: string): { token: string; revoke(): void }
  url: string
}

const INBOUND_MAX = 5000

export class LinkWorker {
  readonly link: LinkInfo
  private readonly conn: BridgeConnection
  private client: ChatClient | undefined
  private session: { token: string; revoke(): void } | undefined
  private queue: { id: number; q: QueuedItem }[] = []
  private cursor: number
  private dropped: number
  private remoteUp = false
  private stopped = false
  private pumping = false
  private remoteTimer: NodeJS.Timeout | undefined
  private hubTimer: NodeJS.Timeout | undefined
  private remoteAttempts = 0
  private hubAttempts = 0
  private inboundChain: Promise<void> = Promise.resolve()
  private inboundPending = 0
  private hubWaiters: (() => void)[] = []
  private readonly txnPrefix: string
  private readonly network: string
  private readonly startedAt = Date.now()

  constructor(
    private readonly deps: WorkerDeps,
    ref: q.LinkRef,
  ) {
    const { network, address } = q.splitTarget(ref.target)
    this.network = network
    this.link = { id: q.linkId(ref.room, ref.target), room: ref.room, target: ref.target, address }
    this.txnPrefix = `${network}:${this.link.id}:`
    const status = q.ensureStatus(deps.db, this.link.id, ref)
    this.cursor = status.hubSeq
    this.dropped = status.dropped
    this.queue = q
      .queued(deps.db, this.link.id)
      .map((r) => ({ id: r.id, q: JSON.parse(r.payload) as QueuedItem }))
    this.conn = deps.definition.open({
      link: this.link,
      log: deps.log.child({ link: this.link.id, room: ref.room, target: ref.target }),
      inbound: (event) => this.inbound(event),
      down: (error) => this.remoteDown(error),
      lastFrom: (sender) => {
        const row = q.lastOfSender(deps.db, network, this.link.id, sender)
        return row ? { remoteId: row.remoteId, text: row.text } : undefined
      },
    })
  }

  get log(): FastifyBaseLogger {
    return this.deps.log
  }

  start(): void {
    this.setStatus({ state: 'connecting', queueLength: this.queue.length })
    void this.connectHub()
    void this.connectRemote()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.remoteTimer)
    clearTimeout(this.hubTimer)
    for (const w of this.hubWaiters.splice(0)) w()
    await this.conn.disconnect().catch(() => undefined)
    await this.client?.close()
    this.client = undefined
    this.session?.revoke()
    this.setStatus({ state: 'stopped' })
  }

  health(): { connected: boolean; detail?: string } {
    return this.conn.health()
  }

  // ---- remote side -----------------------------------------------------------------------------

  private async connectRemote(): Promise<void> {
    this.remoteTimer = undefined
    if (this.stopped) return
    this.setStatus({ state: 'connecting' })
    try {
      await this.conn.connect()
      if (this.stopped) return
      this.remoteUp = true
      this.remoteAttempts = 0
      this.setStatus({ state: 'connected' })
      this.log.info({ link: this.link.id, queued: this.queue.length }, 'bridge link connected')
      void this.pump()
    } catch (err) {
      this.remoteDown(err instanceof Error ? err.message : String(err))
    }
  }

  private remoteDown(error: string): void {
    if (this.stopped) return
    this.remoteUp = false
    this.setStatus({ state: 'down', lastError: error })
    if (this.remoteTimer) return
    const { reconnectMinMs, reconnectMaxMs } = this.deps.options
    const delay = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** this.remoteAttempts++)
    this.log.warn({ link: this.link.id, error, retryInMs: delay }, 'bridge link down, reconnecting')
    void this.conn.disconnect().catch(() => undefined)
    this.remoteTimer = setTimeout(() => void this.connectRemote(), delay)
  }

  /** Deliver queued items in order while the remote side is up. */
  private async pump(): Promise<void> {
    if (this.pumping) return
    this.pumping = true
    try {
      while (this.remoteUp && !this.stopped && this.queue.length > 0) {
        const head = this.queue[0]
        if (!head) break
        let ids: string[] | void
        try {
          ids = await this.conn.send(head.q.item)
        } catch (err) {
          this.remoteDown(err instanceof Error ? err.message : String(err))
          break
        }
        if (this.stopped) break
        const { item } = head.q
        if (head.q.ledger && item.type === 'message') {
          const text = item.parts.join(' ')
          const remoteIds = ids && ids.length > 0 ? ids : [`h${item.seq}`]
          remoteIds.forEach((remoteId, i) =>
            q.recordLedger(this.deps.db, {
              network: this.network,
              link: this.link.id,
              remoteId,
              sender: item.from,
              room: this.link.room,
              seq: item.seq,
              direction: 'out',
              text: i === 0 ? text : null,
            }),
          )
        }
        q.dequeue(this.deps.db, [head.id])
        this.queue.shift()
        this.setStatus({ queueLength: this.queue.length })
      }
    } finally {
      this.pumping = false
    }
  }

  /** Persist an outbound item (with the hub cursor), bounded: overflow folds into a drop notice. */
  private push(qi: QueuedItem, seq: number): void {
    const { db, options } = this.deps
    writeTransaction(db, () => {
      const id = q.enqueue(db, this.link.id, JSON.stringify(qi))
      this.queue.push({ id, q: qi })
      if (seq > 0) q.updateStatus(db, this.link.id, { hubSeq: seq })
      while (this.queue.length > options.queueMax) this.dropOldest()
    })
    this.setStatus({ queueLength: this.queue.length, dropped: this.dropped })
    void this.pump()
  }

  /** The head becomes (or grows) a `dropped` notice, so the remote side learns how many it missed. */
  private dropOldest(): void {
    const { db } = this.deps
    const head = this.queue[0]
    if (!head) return
    if (head.q.item.type === 'dropped') {
      const next = this.queue[1]
      if (!next) return
      q.dequeue(db, [next.id])
      this.queue.splice(1, 1)
      head.q.item.count += 1
    } else {
      head.q = { item: { type: 'dropped', count: 1 }, ledger: false }
    }
    this.dropped += 1
    q.updateQueued(db, head.id, JSON.stringify(head.q))
  }

  // ---- hub side --------------------------------------------------------------------------------

  private async connectHub(): Promise<void> {
    this.hubTimer = undefined
    if (this.stopped) return
    let client: ChatClient | undefined
    try {
      this.session ??= this.deps.token(this.link.room)
      client = await ChatClient.connect(this.deps.url, this.session.token, { timeoutSeconds: 30 })
      client.on('message', (f: EventOf<'message'>) => this.onHubMessage(f))
      client.on('edited', (f: EventOf<'edited'>) => this.onHubEdited(f))
      client.on('deleted', (f: EventOf<'deleted'>) => this.onHubDeleted(f))
      client.on('close', () => {
        if (this.client === client) this.client = undefined
        if (!this.stopped) this.hubDown('hub connection closed')
      })
      if (this.cursor === 0) {
        // A new link relays what was said since it started (the room may have been created, or the
        // hub side retried, in between), not the room's older history.
        const since = await this.firstCursor(client)
        if (since === undefined) {
          const ack = await client.join(this.link.room)
          if (ack.seq > this.cursor) {
            this.cursor = ack.seq
            q.updateStatus(this.deps.db, this.link.id, { hubSeq: ack.seq })
          }
        } else {
          await client.resume(this.link.room, since)
        }
      } else {
        await client.resume(this.link.room, this.cursor)
      }
      if (this.stopped) {
        await client.close()
        return
      }
      this.client = client
      this.hubAttempts = 0
      for (const w of this.hubWaiters.splice(0)) w()
    } catch (err) {
      client?.removeAllListeners('close')
      await client?.close()
      this.hubDown(isChatError(err) ? `hub: ${err.message}` : String(err))
    }
  }

  /** The seq just before the first message sent since this link started; undefined if unknown. */
  private async firstCursor(client: ChatClient): Promise<number | undefined> {
    try {
      const page = await client.history(this.link.room, { limit: 100 })
      const messages = [...page.messages].sort((a, b) => a.seq - b.seq)
      const fresh = messages.find((m) => m.ts >= this.startedAt)
      return fresh ? fresh.seq - 1 : (messages.at(-1)?.seq ?? 0)
    } catch {
      return undefined
    }
  }

  private hubDown(error: string): void {
    if (this.stopped || this.hubTimer) return
    this.setStatus({ lastError: error })
    const { reconnectMinMs, reconnectMaxMs } = this.deps.options
    const delay = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** this.hubAttempts++)
    this.log.warn(
      { link: this.link.id, error, retryInMs: delay },
      'bridge hub side down, reconnecting',
    )
    this.hubTimer = setTimeout(() => void this.connectHub(), delay)
  }

  private onHubMessage(f: EventOf<'message'>): void {
    if (f.room !== this.link.room || f.seq <= this.cursor) return
    this.cursor = f.seq
    // Never echo: what this link posted (its txns, through the bridge account) stays on the hub side.
    // Messages other links or bridges posted do go out (IRC <-> hub <-> webhook).
    const own = f.via === this.deps.account && f.txn?.startsWith(this.txnPrefix) === true
    if (own || f.text === null) {
      q.updateStatus(this.deps.db, this.link.id, { hubSeq: f.seq })
      return
    }
    const { definition } = this.deps
    const action = f.text.startsWith('/me ')
    const body = action ? f.text.slice(4) : f.text
    const caps = definition.capabilities
    const base = this.deps.options.publicUrl || this.deps.url
    const attachments = (f.attachments ?? []).map((a) => ({
      name: a.name,
      mime: a.mime,
      size: a.size,
      url: new URL(`/api/v1/attachments/${encodeURIComponent(a.id)}`, base).href,
    }))
    const links = caps.attachments ? [] : attachments.map((a) => `📎 ${a.name}: ${a.url}`)
    const formatted = definition.formatting ? definition.formatting.toRemote(body) : body
    const text = [formatted, ...links].filter((t) => t.trim() !== '').join('\n')
    const room = definition.overhead?.(f.from) ?? 0
    const parts = splitText(text, caps.maxLength - room, caps.multiline)
    let replyTo: Extract<OutboundItem, { type: 'message' }>['replyTo']
    if (f.replyTo !== undefined) {
      const row = q.ledgerBySeq(this.deps.db, this.link.id, this.link.room, f.replyTo)[0]
      replyTo = { seq: f.replyTo, ...(row ? { from: row.sender, remoteId: row.remoteId } : {}) }
    }
    this.push(
      {
        item: {
          type: 'message',
          seq: f.seq,
          from: f.from,
          parts,
          ...(attachments.length > 0 ? { attachments } : {}),
          ...(action ? { action } : {}),
          ...(replyTo ? { replyTo } : {}),
        },
        ledger: true,
      },
      f.seq,
    )
  }

  private onHubEdited(f: EventOf<'edited'>): void {
    if (f.room !== this.link.room) return
    const rows = q.ledgerBySeq(this.deps.db, this.link.id, this.link.room, f.seq)
    if (rows.length === 0 || rows.some((r) => r.direction === 'in')) return // never relayed, or ours
    const first = rows.find((r) => r.text !== null) ?? rows[0]
    if (!first) return
    const caps = this.deps.definition.capabilities
    const key = { network: this.network, link: this.link.id, remoteId: first.remoteId }
    if (caps.edits) {
      this.push(
        {
          item: {
            type: 'edit',
            seq: f.seq,
            from: first.sender,
            text: f.text,
            remoteId: first.remoteId,
          },
          ledger: false,
        },
        0,
      )
    } else {
      const line = correctionLine(first.text, f.text)
      const parts = splitText(
        line,
        caps.maxLength - (this.deps.definition.overhead?.(first.sender) ?? 0),
        caps.multiline,
      )
      this.push(
        {
          item: { type: 'message', seq: f.seq, from: first.sender, parts: parts.slice(0, 1) },
          ledger: false,
        },
        0,
      )
    }
    q.updateLedgerText(this.deps.db, key, f.text)
  }

  private onHubDeleted(f: EventOf<'deleted'>): void {
    if (f.room !== this.link.room || !this.deps.definition.capabilities.deletes) return
    const rows = q.ledgerBySeq(this.deps.db, this.link.id, this.link.room, f.seq)
    const first = rows[0]
    if (!first || rows.some((r) => r.direction === 'in')) return
    this.push(
      {
        item: { type: 'delete', seq: f.seq, from: first.sender, remoteId: first.remoteId },
        ledger: false,
      },
      0,
    )
  }

  // ---- inbound (remote -> hub), strictly in order ----------------------------------------------

  private inbound(event: InboundEvent): Promise<number | undefined> {
    if (this.stopped) return Promise.resolve(undefined)
    if (this.inboundPending >= INBOUND_MAX) {
      this.log.warn({ link: this.link.id }, 'bridge inbound backlog full, message dropped')
      return Promise.resolve(undefined)
    }
    this.inboundPending++
    const done = this.inboundChain
      .then(() => this.deliverInbound(event))
      .catch((err: unknown) => {
        this.log.warn({ link: this.link.id, err }, 'bridge inbound failed')
        return undefined
      })
      .finally(() => {
        this.inboundPending--
      })
    this.inboundChain = done.then(() => undefined)
    return done
  }

  private async hubReady(): Promise<ChatClient | undefined> {
    while (!this.stopped) {
      if (this.client?.open) return this.client
      await new Promise<void>((resolve) => this.hubWaiters.push(resolve))
    }
    return undefined
  }

  private async deliverInbound(event: InboundEvent): Promise<number | undefined> {
    for (;;) {
      const client = await this.hubReady()
      if (!client) return undefined
      try {
        return await this.applyInbound(client, event)
      } catch (err) {
        if (isChatError(err) && err.code === 'CHATHUB_RATE_LIMITED') {
          await new Promise((r) => setTimeout(r, Math.max(50, (err.retryAfter ?? 1) * 1000)))
          continue
        }
        if (
          isChatError(err) &&
          (err.code === 'CHATHUB_CONNECTION_CLOSED' || err.code === 'CHATHUB_TIMEOUT')
        ) {
          if (this.client === client) this.client = undefined
          continue
        }
        this.log.warn(
          { link: this.link.id, code: isChatError(err) ? err.code : undefined },
          'hub refused a bridged message',
        )
        return undefined
      }
    }
  }

  private async applyInbound(client: ChatClient, event: InboundEvent): Promise<number | undefined> {
    const { db, definition } = this.deps
    const sender = remoteSender(event.sender)
    const fromRemote = (t: string) =>
      definition.formatting ? definition.formatting.fromRemote(t) : t
    switch (event.type) {
      case 'message': {
        let text = fromRemote(event.text)
        if (event.action) text = `/me ${text}`
        // A leading "/" would run a hub command: "//" is the protocol's escape for a literal "/".
        if (text.startsWith('/')) text = `/${text}`
        if (text.trim() === '') return undefined
        const remoteId = shortId(event.remoteId)
        const reply = event.replyTo
          ? q.ledgerAnyByRemote(db, this.network, this.link.id, shortId(event.replyTo))
          : undefined
        const ack = await client.request('say', {
          room: this.link.room,
          text,
          txn: `${this.txnPrefix}${remoteId}`,
          as: `${sender}@${this.network}`,
          ...(reply ? { replyTo: reply.seq } : {}),
        })
        q.recordLedger(db, {
          network: this.network,
          link: this.link.id,
          remoteId,
          sender,
          room: this.link.room,
          seq: ack.seq,
          direction: 'in',
          text: event.text,
        })
        return ack.seq
      }
      case 'edit':
      case 'delete': {
        // A remote id counts only within its own network, link and sender.
        const row = q.ledgerByRemote(db, {
          network: this.network,
          link: this.link.id,
          remoteId: shortId(event.remoteId),
          sender,
        })
        if (!row || row.direction !== 'in') {
          this.log.info(
            { link: this.link.id, type: event.type },
            'bridged edit/delete ignored: unknown id for this sender',
          )
          return undefined
        }
        if (event.type === 'edit') {
          await client.edit(this.link.room, row.seq, fromRemote(event.text))
          q.updateLedgerText(db, row, event.text)
        } else {
          await client.delete(this.link.room, row.seq)
        }
        return row.seq
      }
    }
  }

  private setStatus(set: Parameters<typeof q.updateStatus>[2]): void {
    try {
      q.updateStatus(this.deps.db, this.link.id, set)
    } catch (err) {
      // The database closes after plugins on shutdown; a late status write is not worth a crash.
      this.log.debug({ err }, 'bridge status not written')
    }
  }
}

/** A remote name the hub accepts in `as` (no whitespace or "@", at most 64 characters). */
const remoteSender = (name: string): string => name.replace(/[\s@]/g, '_').slice(0, 64) || 'unknown'

/** Remote ids go into 64-character txns: long ones are shortened to a hash-like tail. */
const shortId = (id: string): string =>
  id.length <= 36 ? id : `~${createHash('sha256').update(id).digest('base64url').slice(0, 32)}`
