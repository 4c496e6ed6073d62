// The hub side of every bridge: the bridge account, one LinkWorker per link (config links plus those
// added with `chathub bridge link`), picking up CLI changes by polling, and closing in order.
import type { FastifyBaseLogger } from 'fastify'
import { liveSessionIds, revokeSessions } from '#core/auth/session-store'
import type { Db } from '#core/db/client'
import type { HubApi } from '#core/plugins/hub-api'
import { findUser, insertUser } from '#core/users/queries'
import type { BridgeDefinition, BridgeOptionsValue } from './contract.ts'
import { bridgeErrors } from './errors.ts'
import { LinkWorker } from './link-worker.ts'
import * as q from './queries.ts'

export interface RunnerOptions {
  definition: BridgeDefinition
  db: Db
  log: FastifyBaseLogger
  options: BridgeOptionsValue
  /** The plugin's ctx.hub: links follow their rooms and post through it, in-process. */
  hub: HubApi
}

export interface LinkHealth {
  link: string
  room: string
  target: string
  connected: boolean
  detail?: string
}

/** The account a network's bridge posts with: `<network>-bridge`, kind 'bridge'. */
export const bridgeAccountName = (network: string): string => `${network}-bridge`

/** Check every configured link's target; a bad one stops the hub at boot with the reason. */
export const checkLinks = (definition: BridgeDefinition, links: readonly q.LinkRef[]): void => {
  for (const link of links) {
    const { network, address } = q.splitTarget(link.target)
    if (network !== definition.network) throw bridgeErrors.networkUnknown(network)
    definition.checkAddress(address)
  }
}

export class BridgeRunner {
  private readonly workers = new Map<string, LinkWorker>()
  private timer: NodeJS.Timeout | undefined
  private version = ''
  private url = ''
  private closed = false
  readonly account: string

  constructor(private readonly opts: RunnerOptions) {
    this.account = bridgeAccountName(opts.definition.network)
  }

  /** Start every link once the hub listens (called from the plugin's onListen). Never blocks on networks. */
  start(url: string): void {
    const { db, options } = this.opts
    this.url = url
    const user =
      findUser(db, this.account) ??
      insertUser(db, { name: this.account, passwordHash: null, kind: 'bridge' })
    if (user.kind !== 'bridge') throw bridgeErrors.accountTaken(this.account)
    // Links no longer log in (they act in-process): tokens left by earlier versions are revoked.
    for (const sessionId of liveSessionIds(db, user.id))
      revokeSessions(db, { userId: user.id, sessionId })
    this.sync()
    this.timer = setInterval(() => this.poll(), options.pollMs)
    this.timer.unref()
  }

  /** Links in force now (config + CLI), whether running or not. */
  links(): q.LinkRef[] {
    return q.effectiveLinks(this.opts.db, this.opts.definition.network, this.opts.options.links)
  }

  health(): LinkHealth[] {
    return [...this.workers.values()].map((w) => ({
      link: w.link.id,
      room: w.link.room,
      target: w.link.target,
      ...w.health(),
    }))
  }

  private poll(): void {
    if (this.closed) return
    try {
      const version = q.linksVersion(this.opts.db)
      if (version !== this.version) this.sync()
    } catch (err) {
      this.opts.log.warn({ err }, 'bridge link poll failed')
    }
  }

  /** Start workers for new links and stop those of removed ones. */
  private sync(): void {
    const { db, log, definition } = this.opts
    this.version = q.linksVersion(db)
    const wanted = new Map(this.links().map((l) => [q.linkId(l.room, l.target), l]))
    for (const [id, worker] of this.workers) {
      if (!wanted.has(id)) {
        this.workers.delete(id)
        log.info(
          { link: id, room: worker.link.room, target: worker.link.target },
          'bridge link removed',
        )
        void worker.stop()
      }
    }
    for (const [id, ref] of wanted) {
      if (this.workers.has(id)) continue
      try {
        definition.checkAddress(q.splitTarget(ref.target).address)
      } catch (err) {
        q.ensureStatus(db, id, ref)
        q.updateStatus(db, id, {
          state: 'stopped',
          lastError: err instanceof Error ? err.message : String(err),
        })
        log.warn({ link: id, target: ref.target }, 'bridge link has an invalid target')
        continue
      }
      const worker = new LinkWorker({ ...this.opts, account: this.account, url: this.url }, ref)
      this.workers.set(id, worker)
      log.info({ link: id, room: ref.room, target: ref.target }, 'bridge link started')
      worker.start()
    }
  }

  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.timer)
    await Promise.all([...this.workers.values()].map((w) => w.stop()))
    this.workers.clear()
  }
}
