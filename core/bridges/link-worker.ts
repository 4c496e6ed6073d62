// One link at run time: the hub side in-process (the bridge account acting through ctx.hub, scoped
// to the room; committed events from the hub's event stream, catching up from the persisted cursor),
// the network's BridgeConnection on the other; the persisted outbound queue between them, the ledger
// for edits/deletes/replies, and retries with back-off on both sides. Everything goes out through
// safeOutbound (core/bridges/safe-text.ts); a hub delete purges the message's queued items and
// ledger rows.
import type { FastifyBaseLogger } from 'fastify'
import { Backoff } from '#core/backoff'
import { type Db, writeTransaction } from '#core/db/client'
import { isChatError } from '#core/errors'
import type { HubEvent } from '#core/messages/events'
import { catchUpThenGoLive, type HubActor, type HubApi } from '#core/plugins/hub-api'
import type { EventOf } from '#core/protocol/messages'
import type {
  BridgeConnection,
  BridgeDefinition,
  BridgeOptionsValue,
  InboundEvent,
  LinkInfo,
  OutboundItem,
} from './contract.ts'
import { applyInbound, type InboundScope } from './inbound.ts'
import { OutboundQueue, type QueuedItem } from './outbound-queue.ts'
import * as q from './queries.ts'
import { RecentTexts } from './recent-texts.ts'
import { safeOutbound } from './safe-text.ts'
import { correctionLine, reactionLine, splitText } from './text.ts'

export interface WorkerDeps {
  definition: BridgeDefinition
  db: Db
  log: FastifyBaseLogger
  options: BridgeOptionsValue
  /** The bridge account's name (messages it relayed carry it as `via`). */
  account: string
  hub: HubApi
  /** The hub's URL, for links to attachments when `publicUrl` is not set. */
  url: string
}

const INBOUND_MAX = 5000

export class LinkWorker {
  readonly link: LinkInfo
  private readonly conn: BridgeConnection
  /** The bridge account, scoped to this link's room. */
  private readonly actor: HubActor
  /** Set while the hub side follows the room (joined and caught up). */
  private unsubscribe: (() => void) | undefined
  /** While the hub side is down: stops listening for the room's creation. */
  private stopWaiting: (() => void) | undefined
  private readonly queue: OutboundQueue
  private cursor: number
  /** The room's change counter up to which edits and deletes were handled (persisted). */
  private rev: number
  /** Hub seq of the in-flight message when it was deleted meanwhile: delete it once it has ids. */
  private deletedInFlight: number | undefined
  private readonly recent = new RecentTexts()
  private remoteUp = false
  private stopped = false
  private pumping = false
  private remoteTimer: NodeJS.Timeout | undefined
  private hubTimer: NodeJS.Timeout | undefined
  private readonly remoteBackoff: Backoff
  private readonly hubBackoff: Backoff
  private inboundChain: Promise<void> = Promise.resolve()
  private inboundPending = 0
  private hubWaiters: (() => void)[] = []
  private readonly txnPrefix: string
  private readonly network: string
  private readonly scope: InboundScope

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
    this.rev = status.hubRev
    this.queue = new OutboundQueue(deps.db, this.link.id, deps.options.queueMax, status.dropped)
    const backoff = { minMs: deps.options.reconnectMinMs, maxMs: deps.options.reconnectMaxMs }
    this.remoteBackoff = new Backoff(backoff)
    this.hubBackoff = new Backoff(backoff)
    this.scope = {
      db: deps.db,
      log: deps.log,
      definition: deps.definition,
      network,
      link: this.link,
      txnPrefix: this.txnPrefix,
    }
    this.actor = deps.hub.actAs(deps.account, { scopes: [ref.room] })
    this.conn = deps.definition.open({
      link: this.link,
      log: deps.log.child({ link: this.link.id, room: ref.room, target: ref.target }),
      inbound: (event) => this.inbound(event),
      down: (error) => this.remoteDown(error),
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
    this.unsubscribe?.()
    this.unsubscribe = undefined
    this.stopWaiting?.()
    for (const w of this.hubWaiters.splice(0)) w()
    await this.conn.disconnect().catch(() => undefined)
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
      this.remoteBackoff.reset()
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
    const delay = this.remoteBackoff.next()
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
        const head = this.queue.head()
        if (!head) break
        const { item } = head.q
        let ids: string[] | void = undefined
        let failed: string | undefined
        this.queue.inFlight = head.id
        try {
          ids = await this.conn.send(safeOutbound(item, this.deps.definition.capabilities))
        } catch (err) {
          failed = err instanceof Error ? err.message : String(err)
        } finally {
          this.queue.inFlight = undefined
        }
        const deleted = this.deletedInFlight
        this.deletedInFlight = undefined
        // Deleted on the hub while it was being sent: never sent again, whatever happened.
        if (failed === undefined || deleted !== undefined) {
          this.queue.done(head.id)
          this.setStatus({ queueLength: this.queue.length })
        }
        if (failed !== undefined) {
          this.remoteDown(failed)
          break
        }
        if (this.stopped) break
        if (head.q.ledger && item.type === 'message') {
          const remoteIds = ids && ids.length > 0 ? ids : [`h${item.seq}`]
          if (deleted === item.seq) this.deleteRemote(item.seq, item.from, remoteIds)
          else this.recordSent(item, remoteIds)
        }
      }
    } finally {
      this.pumping = false
    }
  }

  private recordSent(item: Extract<OutboundItem, { type: 'message' }>, remoteIds: string[]): void {
    for (const remoteId of remoteIds) {
      q.recordLedger(this.deps.db, {
        network: this.network,
        link: this.link.id,
        remoteId,
        sender: item.from,
        room: this.link.room,
        seq: item.seq,
        direction: 'out',
      })
    }
  }

  /** Persist an outbound item (with the hub cursor), bounded: overflow folds into a drop notice. */
  private push(qi: QueuedItem, seq: number): void {
    this.queue.push(qi, seq)
    this.setStatus({ queueLength: this.queue.length, dropped: this.queue.dropped })
    void this.pump()
  }

  // ---- hub side --------------------------------------------------------------------------------

  /**
   * Join the room as the bridge account, then catch up from the persisted cursor (edits and deletes
   * first) and follow the event stream. The last catch-up page and the subscription happen in one
   * synchronous step, so no commit falls between them; earlier pages let other work run between.
   */
  private async connectHub(): Promise<void> {
    this.hubTimer = undefined
    this.stopWaiting?.()
    this.stopWaiting = undefined
    if (this.stopped) return
    try {
      const at = await this.actor.join(this.link.room)
      if (this.stopped) return
      if (this.cursor === 0) {
        // A new link relays what is said from now on, not the room's older history.
        this.cursor = at.seq
        q.updateStatus(this.deps.db, this.link.id, { hubSeq: at.seq })
        this.noteRev(at.rev)
      }
      const live = await catchUpThenGoLive(this.actor, this.link.room, { since: this.cursor, rev: this.rev }, {
        onEvent: (event) => this.onHubEvent(event),
        live: () => {
          const unfollow = this.actor.follow(this.link.room)
          const unsubscribe = this.deps.hub.subscribe((event) => this.onHubEvent(event))
          this.unsubscribe = () => {
            unsubscribe()
            unfollow()
          }
        },
        stopped: () => this.stopped,
      })
      if (!live) return
      this.hubBackoff.reset()
      for (const w of this.hubWaiters.splice(0)) w()
    } catch (err) {
      this.hubDown(isChatError(err) ? `hub: ${err.message}` : String(err))
    }
  }

  private get hubUp(): boolean {
    return this.unsubscribe !== undefined
  }

  /** Stop following the room and try again after a back-off (the room is gone, the account removed). */
  private hubDown(error: string): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    if (this.stopped || this.hubTimer) return
    // While the network side is down its reason is the one to show (it is why nothing flows).
    if (this.remoteUp) this.setStatus({ lastError: error })
    const delay = this.hubBackoff.next()
    this.log.warn(
      { link: this.link.id, error, retryInMs: delay },
      'bridge hub side down, retrying',
    )
    // Retry at once when the room is created or the account invited, else after the back-off.
    const retry = () => {
      clearTimeout(this.hubTimer)
      stopWaiting()
      void this.connectHub()
    }
    const stopWaiting = this.deps.hub.subscribe((event) => {
      if (event.room !== this.link.room) return
      const created = event.type === 'room' && event.change === 'created'
      const invited = event.type === 'membership' && event.change === 'invited' && event.user === this.deps.account
      if (created || invited) retry()
    })
    this.stopWaiting = stopWaiting
    this.hubTimer = setTimeout(retry, delay)
  }

  private onHubEvent(event: HubEvent | EventOf<'message' | 'edited' | 'deleted' | 'reactions'>): void {
    if (event.room !== this.link.room) return
    switch (event.type) {
      case 'message':
        return this.onHubMessage(event)
      case 'edited':
        return this.onHubEdited(event)
      case 'deleted':
        return this.onHubDeleted(event)
      case 'reaction':
        return this.onHubReaction(event)
      case 'reactions':
        // Catch-up has reactions as they are, not who reacted when: those made while the link was
        // down are not relayed.
        return this.noteRev(event.rev)
      case 'membership':
        if (event.user === this.deps.account && (event.change === 'left' || event.change === 'kicked' || event.change === 'banned')) this.hubDown(`hub: the bridge account was ${event.change}`)
        return
      case 'room':
        if (event.change === 'deleted') this.hubDown('hub: the room was deleted')
        if (event.change === 'swept') this.onHubSwept()
        return
    }
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
    const base = this.deps.options.publicUrl || this.deps.url
    const attachments = (f.attachments ?? []).map((a) => ({
      name: a.name,
      mime: a.mime,
      size: a.size,
      url: new URL(`/api/v1/attachments/${encodeURIComponent(a.id)}`, base).href,
    }))
    const { action, parts } = this.render(f.seq, f.from, f.text, attachments)
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

  /** A hub message's text as parts for the network (formatting, file links, split to its limit). */
  private render(
    seq: number,
    from: string,
    hubText: string,
    attachments: { name: string; url: string }[],
  ): { action: boolean; parts: string[] } {
    const { definition } = this.deps
    const caps = definition.capabilities
    const action = hubText.startsWith('/me ')
    const body = action ? hubText.slice(4) : hubText
    const links = caps.attachments ? [] : attachments.map((a) => `📎 ${a.name}: ${a.url}`)
    const formatted = definition.formatting ? definition.formatting.toRemote(body) : body
    const text = [formatted, ...links].filter((t) => t.trim() !== '').join('\n')
    const room = definition.overhead?.(from) ?? 0
    if (!caps.edits) this.recent.set(seq, body)
    return { action, parts: splitText(text, caps.maxLength - room, caps.multiline) }
  }

  private onHubEdited(f: EventOf<'edited'>): void {
    if (f.room !== this.link.room) return
    this.noteRev(f.rev)
    // Not sent yet: the queued message goes out with the new text (the old one leaves the queue).
    const waiting = this.queue.waitingMessages(f.seq)
    for (const e of waiting) {
      if (e.q.item.type !== 'message') continue
      const { action, parts } = this.render(
        f.seq,
        e.q.item.from,
        f.text,
        e.q.item.attachments ?? [],
      )
      const { action: _was, ...rest } = e.q.item
      this.queue.rewrite(e, { ...rest, parts, ...(action ? { action } : {}) })
    }
    if (waiting.length > 0) return
    const rows = q.ledgerBySeq(this.deps.db, this.link.id, this.link.room, f.seq)
    if (rows.length === 0 || rows.some((r) => r.direction === 'in')) return // never relayed, or ours
    const first = rows[0]
    if (!first) return
    const caps = this.deps.definition.capabilities
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
      const line = correctionLine(this.recent.get(f.seq) ?? null, f.text)
      this.recent.set(f.seq, f.text)
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
  }

  /**
   * A hub reaction: as a reaction where the network has them, else (when added) as the configured
   * line, an action of the one who reacted. Never for messages deleted or not relayed text.
   */
  private onHubReaction(f: EventOf<'reaction'>): void {
    this.noteRev(f.rev)
    const caps = this.deps.definition.capabilities
    const first = q.ledgerBySeq(this.deps.db, this.link.id, this.link.room, f.seq)[0]
    if (caps.reactions) {
      const item = { type: 'reaction' as const, seq: f.seq, from: f.user, emoji: f.emoji, added: f.added }
      this.push({ item: first ? { ...item, remoteId: first.remoteId } : item, ledger: false }, 0)
      return
    }
    const format = this.deps.options.reactionLine
    if (!f.added || format === '') return
    const message = this.actor.message(this.link.room, f.seq)
    if (!message || message.text === null) return
    const line = reactionLine(format, { emoji: f.emoji, to: message.from, text: message.text })
    const parts = splitText(line, caps.maxLength - (this.deps.definition.overhead?.(f.user) ?? 0), caps.multiline)
    this.push({ item: { type: 'message', seq: f.seq, from: f.user, parts: parts.slice(0, 1), action: true }, ledger: false }, 0)
  }

  /**
   * Messages of the room were deleted for good (retention, an account's erasure), with their ledger
   * rows and queued items in the database (core/retention/erase.ts): what this link still holds of
   * them in memory goes too. Nothing is deleted on the remote side, which keeps its own history.
   */
  private onHubSwept(): void {
    let removed = 0
    for (const seq of new Set([...this.recent.seqs(), ...this.queue.seqs()])) {
      if (this.actor.message(this.link.room, seq)?.text != null) continue
      this.recent.forget(seq)
      removed += this.queue.purge(seq).removed
    }
    if (removed > 0) this.setStatus({ queueLength: this.queue.length })
  }

  /**
   * A hub delete: the message's text leaves every place this link kept it (queued items not yet
   * sent, the in-memory texts for corrections), its ledger rows go, and where the network can
   * delete, a message it already has is deleted there too.
   */
  private onHubDeleted(f: EventOf<'deleted'>): void {
    if (f.room !== this.link.room) return
    this.noteRev(f.rev)
    this.recent.forget(f.seq)
    const { db } = this.deps
    const rows = q.ledgerBySeq(db, this.link.id, this.link.room, f.seq)
    let purged = { removed: 0, inFlight: false }
    writeTransaction(db, () => {
      purged = this.queue.purge(f.seq)
      q.forgetLedgerSeq(db, this.link.id, this.link.room, f.seq)
    })
    // Being sent right now: it cannot be called back. The pump drops it either way, and deletes a
    // message that did arrive once it has its remote ids.
    if (purged.inFlight) this.deletedInFlight = f.seq
    if (purged.removed > 0) this.setStatus({ queueLength: this.queue.length })
    const first = rows[0]
    // Inbound messages (`in`) were deleted remotely or by a hub user: the remote side keeps its own.
    if (!first || rows.some((r) => r.direction === 'in')) return
    this.deleteRemote(
      f.seq,
      first.sender,
      rows.map((r) => r.remoteId),
    )
  }

  /** Where the network can delete: queue the deletion of a hub message it already has. */
  private deleteRemote(seq: number, from: string, remoteIds: string[]): void {
    const [remoteId] = remoteIds
    if (!this.deps.definition.capabilities.deletes || remoteId === undefined) return
    this.push({ item: { type: 'delete', seq, from, remoteId }, ledger: false }, 0)
  }

  /** Edits and deletes up to `rev` are handled: a reconnect asks only for later ones. */
  private noteRev(rev: number): void {
    if (rev <= this.rev) return
    this.rev = rev
    this.setStatus({ hubRev: rev })
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

  private async hubReady(): Promise<boolean> {
    while (!this.stopped) {
      if (this.hubUp) return true
      await new Promise<void>((resolve) => this.hubWaiters.push(resolve))
    }
    return false
  }

  private async deliverInbound(event: InboundEvent): Promise<number | undefined> {
    for (;;) {
      if (!(await this.hubReady())) return undefined
      try {
        return await applyInbound(this.scope, this.actor, event)
      } catch (err) {
        if (isChatError(err) && err.code === 'CHATHUB_RATE_LIMITED') {
          await new Promise((r) => setTimeout(r, Math.max(50, (err.retryAfter ?? 1) * 1000)))
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

  private setStatus(set: Parameters<typeof q.updateStatus>[2]): void {
    try {
      q.updateStatus(this.deps.db, this.link.id, set)
    } catch (err) {
      // The database closes after plugins on shutdown; a late status write is not worth a crash.
      this.log.debug({ err }, 'bridge status not written')
    }
  }
}
