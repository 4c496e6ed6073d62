// Remote -> hub: how one inbound event of a link becomes a hub action (say, edit, delete) by the
// link's bridge account (in-process, ctx.hub), with the ledger of ids that lets later edits, deletes
// and replies find it.
import { createHash } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '#core/db/client'
import type { HubActor } from '#core/plugins/hub-api'
import type { BridgeDefinition, InboundEvent, LinkInfo } from './contract.ts'
import * as q from './queries.ts'

export interface InboundScope {
  db: Db
  log: FastifyBaseLogger
  definition: BridgeDefinition
  network: string
  link: LinkInfo
  /** `<network>:<link id>:`, the txn prefix that marks this link's own posts (no echo). */
  txnPrefix: string
}

/** A remote name the hub accepts in `as` (no whitespace or "@", at most 64 characters). */
export const remoteSender = (name: string): string =>
  name.replace(/[\s@]/g, '_').slice(0, 64) || 'unknown'

/** Remote ids go into 64-character txns: long ones are shortened to a hash-like tail. */
export const shortId = (id: string): string =>
  id.length <= 36 ? id : `~${createHash('sha256').update(id).digest('base64url').slice(0, 32)}`

/**
 * Apply one inbound event; resolves with the hub seq it posted or changed, or undefined when it was
 * ignored. Throws the hub's ChatError (the caller retries rate limits).
 */
export const applyInbound = async (
  scope: InboundScope,
  actor: HubActor,
  event: InboundEvent,
): Promise<number | undefined> => {
  const { db, definition, network, link } = scope
  const sender = remoteSender(event.sender)
  const fromRemote = (t: string) =>
    definition.formatting ? definition.formatting.fromRemote(t) : t
  const say = async (m: {
    remoteId: string
    text: string
    action?: boolean
    replyTo?: string
  }): Promise<number | undefined> => {
    const { text: remote, action, replyTo } = m
    let text = fromRemote(remote)
    if (action) text = `/me ${text}`
    // A leading "/" would run a hub command: "//" is the protocol's escape for a literal "/".
    if (text.startsWith('/')) text = `/${text}`
    if (text.trim() === '') return undefined
    const remoteId = shortId(m.remoteId)
    const reply = replyTo ? q.ledgerAnyByRemote(db, network, link.id, shortId(replyTo)) : undefined
    const ack = await actor.say({
      room: link.room,
      text,
      txn: `${scope.txnPrefix}${remoteId}`,
      as: `${sender}@${network}`,
      ...(reply ? { replyTo: reply.seq } : {}),
    })
    q.recordLedger(db, {
      network,
      link: link.id,
      remoteId,
      sender,
      room: link.room,
      seq: ack.seq,
      direction: 'in',
    })
    return ack.seq
  }
  switch (event.type) {
    case 'message':
      return say(event)
    case 'correction': {
      // The text is read from the hub (the ledger keeps ids only): what the sender's last line says now.
      const last = q.lastOfSender(db, network, link.id, sender)
      const find = fromRemote(event.find)
      const current = last && find !== '' ? (actor.message(link.room, last.seq)?.text ?? undefined) : undefined
      if (last === undefined || current === undefined || !current.includes(find)) {
        return say({ remoteId: event.remoteId, text: event.text })
      }
      await actor.edit(link.room, last.seq, current.replace(find, fromRemote(event.replace)))
      return last.seq
    }
    case 'edit':
    case 'delete': {
      // A remote id counts only within its own network, link and sender.
      const row = q.ledgerByRemote(db, {
        network,
        link: link.id,
        remoteId: shortId(event.remoteId),
        sender,
      })
      if (!row || row.direction !== 'in') {
        scope.log.info(
          { link: link.id, type: event.type },
          'bridged edit/delete ignored: unknown id for this sender',
        )
        return undefined
      }
      if (event.type === 'edit') await actor.edit(link.room, row.seq, fromRemote(event.text))
      else await actor.delete(link.room, row.seq)
      return row.seq
    }
  }
}
