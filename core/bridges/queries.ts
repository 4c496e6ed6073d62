// Bridge queries: links (config + run-time), link status, the remote-id ledger and the outbound queue.
// Plain synchronous functions over the Drizzle db; the CLI and the runner share them.
import { createHash } from 'node:crypto'
import { and, asc, desc, eq, inArray, sql } from '#drizzle'
import { type Db, writeTransaction } from '#core/db/client'
import { bridgeErrors } from './errors.ts'
import { bridgeLedger, bridgeLinks, bridgeLinkStatus, bridgeQueue } from './schema.ts'

/** Short stable id of a link (room + target): 10 hex chars, used in hub txns and the ledger. */
export const linkId = (room: string, target: string): string =>
  createHash('sha256').update(`${room}\n${target}`).digest('hex').slice(0, 10)

/** `<network>:<address>` -> its parts (the address is checked by the network's bridge). */
export const splitTarget = (target: string): { network: string; address: string } => {
  const i = target.indexOf(':')
  if (i <= 0 || i === target.length - 1)
    throw bridgeErrors.targetInvalid(target, 'expected <network>:<address>')
  return { network: target.slice(0, i), address: target.slice(i + 1) }
}

export interface LinkRef {
  room: string
  target: string
}

/**
 * The links in force for a network: those of the config file, plus those added with the CLI, minus
 * those removed with the CLI (a removed row hides a config link).
 */
export const effectiveLinks = (
  db: Db,
  network: string,
  configured: readonly LinkRef[],
): LinkRef[] => {
  const rows = db.select().from(bridgeLinks).all()
  const state = new Map(rows.map((r) => [`${r.room} ${r.target}`, r.state]))
  const out = new Map<string, LinkRef>()
  for (const l of configured)
    if (state.get(`${l.room} ${l.target}`) !== 'removed') out.set(`${l.room} ${l.target}`, l)
  for (const r of rows)
    if (r.state === 'active') out.set(`${r.room} ${r.target}`, { room: r.room, target: r.target })
  return [...out.values()].filter((l) => l.target.startsWith(`${network}:`))
}

/** Run-time link changes (for `chathub bridge list` to show them even before the hub picks them up). */
export const linkRows = (db: Db) =>
  db.select().from(bridgeLinks).orderBy(asc(bridgeLinks.room)).all()

/** A run-time link row: linked, or a tombstone hiding a link of the config file. */
type LinkRowState = 'active' | 'removed'

/**
 * Set a link's run-time state after `check` has seen its current one (undefined: no row), in one
 * write transaction, so two CLI commands cannot both pass the check.
 */
const setLinkState = (
  db: Db,
  room: string,
  target: string,
  state: LinkRowState,
  now: number,
  check: (current: LinkRowState | undefined) => void,
): void =>
  writeTransaction(db, (tx) => {
    const row = tx
      .select({ state: bridgeLinks.state })
      .from(bridgeLinks)
      .where(and(eq(bridgeLinks.room, room), eq(bridgeLinks.target, target)))
      .get()
    check(row?.state)
    tx.insert(bridgeLinks)
      .values({ room, target, state, updatedAt: now })
      .onConflictDoUpdate({ target: [bridgeLinks.room, bridgeLinks.target], set: { state, updatedAt: now } })
      .run()
  })

export const addLink = (db: Db, room: string, target: string, now = Date.now()): void =>
  setLinkState(db, room, target, 'active', now, (current) => {
    if (current === 'active') throw bridgeErrors.linkExists(room, target)
  })

/** Remove a link; `configured` says whether the config file has it (then a tombstone hides it). */
export const removeLink = (
  db: Db,
  room: string,
  target: string,
  configured: boolean,
  now = Date.now(),
): void =>
  setLinkState(db, room, target, 'removed', now, (current) => {
    if (configured ? current === 'removed' : current !== 'active') throw bridgeErrors.linkNotFound(room, target)
  })

/** A fingerprint of the run-time link table, to notice CLI changes cheaply. */
export const linksVersion = (db: Db): string => {
  const r = db
    .select({ n: sql<number>`count(*)`, at: sql<number | null>`max(${bridgeLinks.updatedAt})` })
    .from(bridgeLinks)
    .get()
  return `${r?.n ?? 0}:${r?.at ?? 0}`
}

// ---- status ------------------------------------------------------------------------------------

export type LinkState = 'connecting' | 'connected' | 'down' | 'stopped'
export type LinkStatus = typeof bridgeLinkStatus.$inferSelect

export const allStatus = (db: Db): LinkStatus[] =>
  db
    .select()
    .from(bridgeLinkStatus)
    .orderBy(asc(bridgeLinkStatus.room), asc(bridgeLinkStatus.target))
    .all()

export const statusOf = (db: Db, link: string): LinkStatus | undefined =>
  db.select().from(bridgeLinkStatus).where(eq(bridgeLinkStatus.link, link)).get()

export const ensureStatus = (db: Db, link: string, ref: LinkRef, now = Date.now()): LinkStatus => {
  db.insert(bridgeLinkStatus)
    .values({ link, room: ref.room, target: ref.target, state: 'connecting', updatedAt: now })
    .onConflictDoNothing()
    .run()
  const row = statusOf(db, link)
  if (!row) throw new Error('bridge status row missing')
  return row
}

export const updateStatus = (
  db: Db,
  link: string,
  set: Partial<
    Pick<LinkStatus, 'state' | 'lastError' | 'queueLength' | 'dropped' | 'hubSeq' | 'hubRev'>
  >,
  now = Date.now(),
): void => {
  db.update(bridgeLinkStatus)
    .set({ ...set, updatedAt: now })
    .where(eq(bridgeLinkStatus.link, link))
    .run()
}

// ---- ledger ------------------------------------------------------------------------------------

export interface LedgerEntry {
  network: string
  link: string
  remoteId: string
  sender: string
  room: string
  seq: number
  direction: 'in' | 'out'
}

export const recordLedger = (db: Db, entry: LedgerEntry, now = Date.now()): void => {
  db.insert(bridgeLedger)
    .values({ ...entry, createdAt: now })
    .onConflictDoNothing()
    .run()
}

/** The hub message of a remote id, only within its own network, link and sender. */
export const ledgerByRemote = (
  db: Db,
  key: { network: string; link: string; remoteId: string; sender: string },
): LedgerEntry | undefined =>
  db
    .select()
    .from(bridgeLedger)
    .where(
      and(
        eq(bridgeLedger.network, key.network),
        eq(bridgeLedger.link, key.link),
        eq(bridgeLedger.remoteId, key.remoteId),
        eq(bridgeLedger.sender, key.sender),
      ),
    )
    .get()

/** Ledger rows of a hub message on a link (several when it was split). */
export const ledgerBySeq = (db: Db, link: string, room: string, seq: number): LedgerEntry[] =>
  db
    .select()
    .from(bridgeLedger)
    .where(and(eq(bridgeLedger.link, link), eq(bridgeLedger.room, room), eq(bridgeLedger.seq, seq)))
    .all()

/** Forget a hub message on a link (it was deleted): its ledger rows go. */
export const forgetLedgerSeq = (db: Db, link: string, room: string, seq: number): void => {
  db.delete(bridgeLedger)
    .where(and(eq(bridgeLedger.link, link), eq(bridgeLedger.room, room), eq(bridgeLedger.seq, seq)))
    .run()
}

/** The latest message a remote sender posted through a link (what a `correction` event edits). */
export const lastOfSender = (
  db: Db,
  network: string,
  link: string,
  sender: string,
): LedgerEntry | undefined =>
  db
    .select()
    .from(bridgeLedger)
    .where(
      and(
        eq(bridgeLedger.network, network),
        eq(bridgeLedger.link, link),
        eq(bridgeLedger.sender, sender),
        eq(bridgeLedger.direction, 'in'),
      ),
    )
    .orderBy(desc(bridgeLedger.createdAt), desc(bridgeLedger.seq))
    .get()

// ---- queue -------------------------------------------------------------------------------------

export const queued = (db: Db, link: string): { id: number; payload: string }[] =>
  db
    .select({ id: bridgeQueue.id, payload: bridgeQueue.payload })
    .from(bridgeQueue)
    .where(eq(bridgeQueue.link, link))
    .orderBy(asc(bridgeQueue.id))
    .all()

export const enqueue = (db: Db, link: string, payload: string, now = Date.now()): number =>
  db
    .insert(bridgeQueue)
    .values({ link, payload, createdAt: now })
    .returning({ id: bridgeQueue.id })
    .get().id

export const dequeue = (db: Db, ids: number[]): void => {
  if (ids.length > 0) db.delete(bridgeQueue).where(inArray(bridgeQueue.id, ids)).run()
}

export const updateQueued = (db: Db, id: number, payload: string): void => {
  db.update(bridgeQueue).set({ payload }).where(eq(bridgeQueue.id, id)).run()
}

/** Any ledger row of a remote id on a link (replies may point at anyone's message). */
export const ledgerAnyByRemote = (
  db: Db,
  network: string,
  link: string,
  remoteId: string,
): LedgerEntry | undefined =>
  db
    .select()
    .from(bridgeLedger)
    .where(
      and(
        eq(bridgeLedger.network, network),
        eq(bridgeLedger.link, link),
        eq(bridgeLedger.remoteId, remoteId),
      ),
    )
    .get()
