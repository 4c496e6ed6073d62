// A device's end-to-end session on one client connection (docs/e2e.md): it registers the device,
// keeps its KeyPackages published, and for every E2E room follows the MLS group in seq order —
// Welcome, Commits, application messages — decrypting into the device's own log, which is what
// `history` reads there (a device cannot decrypt a message twice). Sends encrypt; Commits
// (invitations, removals) go through the hub's first-wins order and are rebuilt when refused as stale.
import { ChatError, isChatError } from '#core/errors'
import type { E2eLayer, SayOptions } from '#core/client/sdk'
import { randomId, type ChatClient } from '#core/client/sdk'
import type { SearchPosition } from '#core/client/search-merge'
import { fromBase64, toBase64 } from '#core/protocol/e2e'
import type {
  AckFrame,
  AttachmentView,
  E2eRoomView,
  EventOf,
  MessageView,
  ReactionView,
  SearchHit,
  ServerFrame,
  WelcomeView,
} from '#core/protocol/messages'
import type { E2eCrypto, RoomGroup } from './crypto-port.ts'
import type { CommitIntent, Member, PendingCommit } from './group.ts'
import { stripMetadata } from '#core/attachments/metadata-strip'
import { sanitizeName, sniffMime } from '#core/attachments/sniff'
import { compileSearch, searchLogs } from './log-search.ts'
import { decodePayload, type E2eAttachment, type E2ePayload, encodePayload } from './payload.ts'
import { Serial } from './serial.ts'
import type { DeviceStore, StoredRoom } from './store.ts'

/** One-time KeyPackages kept published; refilled below this many. */
const KEY_PACKAGES_TARGET = 20
const KEY_PACKAGES_LOW = 10
/**
 * How often a send or Commit refused as stale (another Commit won) is rebuilt and tried again while
 * the room's epoch does not move; while it moves (a busy room: others' Commits keep winning), up to
 * MOST_ATTEMPTS.
 */
const STALE_ATTEMPTS = 5
const MOST_ATTEMPTS = 50
/** How long joins and new devices are gathered before one Commit adds them all. */
const ADD_BATCH_MS = 100
/** The wait between members' turns to commit a change all of them heard of (myTurn). */
const TURN_STEP_MS = 200
const TURN_STEPS = 10
/** How long an action waits for the Commit that made it stale to arrive. */
const CATCH_UP_MS = 10_000

type MessageEvent = EventOf<'message'>
type ClaimedPackage = AckFrame<'claim'>['packages'][number]

/** An encrypted change to a message: an edit, a delete, a reaction. */
type E2eChange = Exclude<E2ePayload, { t: 'say' }>

const notOnThisDevice = (room: string, seq: number) =>
  new ChatError('CHATHUB_MESSAGE_NOT_FOUND', `This device has no message #${seq} in ${room} to change.`, 404)

/** A message this device sent: what it does here, applied once (at its ack or when it comes back). */
interface OwnSend {
  apply(seq: number, ts: number): void
}

export interface E2eSessionOptions {
  /** The name a new device registers with, shown in `chathub devices` (e.g. "cli on laptop"). */
  deviceName: string
  /** Where this device keeps its keys, groups and decrypted messages. */
  store: DeviceStore
}

/** What search() looks for beside the query: the hub's search filters, and where the last page stopped. */
export interface DeviceSearchOptions {
  /** One E2E room (default: every E2E room you are a member of). */
  room?: string
  from?: string
  after?: number | string
  before?: number | string
  /** Hits per page (default 20, as the hub's). */
  limit?: number
  /** The last hit of the previous page (the SDK's search keeps it in its cursor). */
  below?: SearchPosition
}

/** An E2E room as this device follows it. */
interface LiveRoom {
  name: string
  record: StoredRoom
  group: RoomGroup | undefined
  /** Whether this connection checked the room's members against the group (ready()). */
  reconciled: boolean
  /** Messages received ahead of their turn, by seq (drain() processes them in order). */
  held: Map<number, MessageEvent>
  /** Users the hub asked us to remove from the group (a member left, was kicked, removed a device). */
  removals: Set<string>
  /** Resolved each time the group's epoch moves (a Commit processed or ours confirmed). */
  epochWaiters: (() => void)[]
}

export class E2eSession implements E2eLayer {
  private readonly serial = new Serial()
  /**
   * One Commit in flight per room: a second one built while the first awaits the hub would be built
   * on the same epoch, and its refusal would discard the first one's pending state.
   */
  private readonly committing = new Serial()
  /** Users to add to each room's group in the next batch (addSoon). */
  private readonly toAdd = new Map<string, Set<string>>()
  private readonly live = new Map<string, LiveRoom>()
  private readonly opening = new Map<string, Promise<LiveRoom>>()
  private readonly clear = new Set<string>()
  private readonly welcomes = new Map<string, WelcomeView>()
  /** Files this client encrypted and uploaded, by id, until a message sends them. */
  private readonly uploads = new Map<string, AttachmentView>()
  /**
   * Application messages this device sent (by their data), until applied here: MLS cannot decrypt
   * them back, so what they do (a message in the log, an edit...) is applied from what was sent,
   * at the ack or when the copy comes back, whichever is first.
   */
  private readonly sent = new Map<string, OwnSend>()
  private cryptoLoaded: Promise<E2eCrypto> | undefined
  /** The KeyPackage top-up under way (topUpKeyPackages). */
  private toppingUp: Promise<void> = Promise.resolve()
  private linked = false

  private constructor(
    private readonly client: ChatClient,
    private readonly options: E2eSessionOptions,
  ) {}

  /** Attach a session to a connected client; the device registers only once an E2E room needs it. */
  static async attach(client: ChatClient, options: E2eSessionOptions): Promise<E2eSession> {
    const session = new E2eSession(client, options)
    await client.useE2e(session)
    return session
  }

  /** The MLS code and this device's identity, loaded the first time an E2E room needs them. */
  private crypto(): Promise<E2eCrypto> {
    this.cryptoLoaded ??= import('./mls-crypto.ts').then(({ loadMlsCrypto }) =>
      loadMlsCrypto({
        user: this.client.user,
        deviceName: this.options.deviceName,
        store: this.options.store,
        directory: async (user) => (await this.client.request('devices', { user })).devices,
      }),
    )
    return this.cryptoLoaded
  }

  // ---- the device ----------------------------------------------------------------------------

  /** Bind the device on this connection (registering it the first time) and top up its KeyPackages. */
  async relink(): Promise<void> {
    const known = await this.options.store.loadDevice()
    // A client that never met an E2E room and has no device yet stays light: nothing to bind.
    if (!known && !this.linked) return
    await this.link()
  }

  private async link(): Promise<void> {
    const crypto = await this.crypto()
    const ack = await this.client.request('device', crypto.registration())
    this.linked = true
    for (const welcome of ack.welcomes) this.welcomes.set(welcome.room, welcome)
    await this.topUpKeyPackages()
  }

  /** Register this device now (otherwise it registers when an E2E room first needs it). */
  enable(): Promise<void> {
    return this.ensureLinked()
  }

  private async ensureLinked(): Promise<void> {
    if (!this.linked) await this.link()
  }

  /**
   * Publish KeyPackages when the hub holds few (or no last-resort one), one top-up at a time: two
   * at once (the device's link and a `keypackages.low`) would each save their own batch's private
   * keys over the other's, and a Welcome for a package whose keys were lost could not be opened.
   */
  private topUpKeyPackages(): Promise<void> {
    const run = this.toppingUp.then(async () => {
      const { available, lastResort } = await this.client.request('keypackages', { packages: [] })
      if (available < KEY_PACKAGES_LOW || !lastResort) await this.publishKeyPackages(available, lastResort)
    })
    this.toppingUp = run.catch(() => {})
    return run
  }

  private async publishKeyPackages(available: number, lastResort: boolean): Promise<void> {
    const crypto = await this.crypto()
    const fresh = await crypto.keyPackages(KEY_PACKAGES_TARGET - available, !lastResort)
    await this.client.request('keypackages', {
      packages: fresh.oneTime.map(toBase64),
      ...(fresh.lastResort ? { lastResort: toBase64(fresh.lastResort) } : {}),
    })
  }

  // ---- which rooms are E2E -------------------------------------------------------------------

  async isE2e(room: string): Promise<boolean> {
    if (this.live.has(room) || (await this.options.store.loadRoom(room))) return true
    if (this.clear.has(room)) return false
    const { rooms } = await this.client.rooms()
    let view: E2eRoomView | undefined
    for (const summary of rooms) {
      if (!summary.e2e) this.clear.add(summary.name)
      else if (summary.name === room) view = summary.e2e
    }
    // Not listed (not a member, or no such room): the hub answers what a clear request gets there.
    if (!view) {
      this.clear.add(room)
      return false
    }
    // Only this room is opened: a clear room's request must not need the device (a home whose
    // device moved away, `chathub devices export`, still reads and writes its clear rooms).
    await this.open(room, view)
    return true
  }

  /** The room as this device follows it: its record from the store, its group loaded. */
  private open(name: string, view: E2eRoomView): Promise<LiveRoom> {
    const existing = this.live.get(name)
    if (existing) return Promise.resolve(existing)
    // One opening per room: a replayed message and the join's ack may both ask before it is done.
    let opening = this.opening.get(name)
    if (!opening) {
      opening = this.load(name, view).finally(() => this.opening.delete(name))
      this.opening.set(name, opening)
    }
    return opening
  }

  private async load(name: string, view: E2eRoomView): Promise<LiveRoom> {
    await this.ensureLinked()
    const crypto = await this.crypto()
    const { store } = this.options
    const record: StoredRoom = (await store.loadRoom(name)) ?? {
      group: view.group,
      suite: 1,
      processedSeq: 0,
      log: [],
    }
    const stored = await store.loadGroup(name)
    const live: LiveRoom = {
      name,
      record,
      group: stored ? crypto.loadGroup(stored) : undefined,
      reconciled: false,
      held: new Map(),
      removals: new Set(),
      epochWaiters: [],
    }
    this.live.set(name, live)
    return live
  }

  // ---- incoming ------------------------------------------------------------------------------

  takes(frame: ServerFrame): boolean {
    switch (frame.type) {
      case 'message':
        // Every row of an E2E room counts for the order (a deleted one has no `mls` left).
        if (!frame.mls && !this.live.has(frame.room)) return false
        void this.enqueue(frame)
        return frame.mls !== undefined
      case 'welcome':
        this.welcomes.set(frame.room, frame)
        void this.serial
          .run(frame.room, () => this.adoptWelcome(frame.room))
          .catch((err) => this.report(frame.room, err))
        return false
      case 'e2e.remove': {
        // Noted at once (a send commits them first); committed after this device's turn (myTurn).
        // (Another member's Commit may take them out meanwhile: then there is nothing left to commit.)
        const live = this.live.get(frame.room)
        for (const user of frame.users) live?.removals.add(user)
        const removal = live ? () => this.commitRemovals(frame.room) : () => this.removeUsers(frame.room, frame.users)
        setTimeout(() => void removal().catch((err) => this.report(frame.room, err)), this.myTurn(frame.room))
        return false
      }
      // A member joined, or someone's devices changed: bring their trusted devices into the groups
      // this device is in (the first member's Commit wins; the others find nothing left to do).
      case 'joined':
        if (this.live.get(frame.room)?.group) this.addSoon(frame.room, frame.user)
        return false
      case 'devices':
        for (const [room, live] of this.live) if (live.group) this.addSoon(room, frame.user)
        return false
      case 'keypackages.low':
        void this.topUpKeyPackages().catch(() => {})
        return false
      default:
        return false
    }
  }

  /** An MLS message of a room, processed after those before it. */
  private enqueue(frame: MessageEvent): Promise<void> {
    return this.serial.run(frame.room, async () => {
      const live =
        this.live.get(frame.room) ??
        (await this.open(frame.room, { group: '', suite: 1, epoch: 0 }))
      live.held.set(frame.seq, frame)
      await this.drain(live)
    })
  }

  /**
   * Process held messages strictly in seq order: a Commit must be applied before what follows it.
   * One arriving after a gap (a live message before a catch-up's replay) waits for the gap to fill.
   */
  private async drain(live: LiveRoom): Promise<void> {
    if (!live.group && this.welcomes.has(live.name)) await this.adoptWelcome(live.name)
    for (;;) {
      for (const seq of live.held.keys()) if (seq <= live.record.processedSeq) live.held.delete(seq)
      const next = live.held.get(live.record.processedSeq + 1)
      if (!next) return
      live.held.delete(next.seq)
      if (next.mls) await this.process(live, next)
      else await this.advance(live, next.seq)
    }
  }

  private async process(live: LiveRoom, frame: MessageEvent): Promise<void> {
    const mls = frame.mls!
    if (frame.seq <= live.record.processedSeq) return
    // This device's own application message: MLS does not decrypt it back; say() logged it at its ack.
    if (
      mls.kind === 'application' &&
      mls.device === live.group?.device &&
      frame.from === this.client.user
    ) {
      const own = this.sent.get(mls.data)
      if (own) own.apply(frame.seq, frame.ts)
      else if (!logged(live, frame.seq))
        this.record(
          live,
          undecryptable(
            frame,
            'E2E_CANNOT_DECRYPT',
            'keys_lost',
            'Sent from this device, which did not keep it (it stopped before the hub answered).',
          ),
        )
      return this.advance(live, frame.seq)
    }
    if (!live.group) {
      this.record(
        live,
        undecryptable(
          frame,
          'E2E_CANNOT_DECRYPT',
          'before_join',
          'Sent before this device was added to the room; a member adds it when online.',
        ),
      )
      return this.advance(live, frame.seq)
    }
    try {
      const out = await live.group.process(fromBase64(mls.data))
      if (out.kind === 'application') {
        const payload = decodePayload(out.bytes)
        if (payload.t === 'say') {
          const { text, replyTo, attachments } = payload
          const { attachments: _opaque, ...view } = viewOf(frame)
          this.record(live, {
            ...view,
            text,
            ...(replyTo ? { replyTo } : {}),
            ...(attachments ? { attachments: attachments.map(fileView) } : {}),
            e2e: { device: out.sender.device },
          })
        } else {
          // A delete of someone else's message counts from the room's moderators and owner only.
          const moderated = payload.t === 'delete' && (await this.moderates(live, payload.seq, out.sender.user))
          this.applyChange(live, payload, out.sender.user, frame.seq, frame.ts, moderated)
        }
      } else if (out.kind === 'commit') {
        // The users this Commit removed (as the hub saw it): nobody needs to remove them again.
        for (const user of mls.removed ?? []) live.removals.delete(user)
        this.epochMoved(live)
        if (!live.group.active) {
          live.group = undefined
          this.client.inject({
            type: 'notice',
            room: live.name,
            text: `This device was removed from the end-to-end group of #${live.name}.`,
          })
        } else this.announce(live, frame, out.added, out.removed)
      }
    } catch (err) {
      const code = isChatError(err) ? err.code : 'E2E_CANNOT_DECRYPT'
      const reason =
        (isChatError(err) && typeof err.details?.reason === 'string'
          ? err.details.reason
          : undefined) ?? 'malformed'
      this.record(live, undecryptable(frame, code, reason, (err as Error).message))
    }
    await this.advance(live, frame.seq)
  }

  /** Members see who came and went in the group ("bob added a new device"). */
  private announce(
    live: LiveRoom,
    frame: MessageEvent,
    added: { user: string; device: string }[],
    removed: { user: string; device: string }[],
  ): void {
    const parts = [
      ...added.map((d) => `${d.user}'s device ${d.device} joined`),
      ...removed.map((d) => `${d.user}'s device ${d.device} left`),
    ]
    if (parts.length > 0)
      this.client.inject({
        type: 'notice',
        room: live.name,
        text: `* ${parts.join('; ')} (end-to-end group, #${frame.seq})`,
      })
  }

  private record(live: LiveRoom, view: MessageView): void {
    const log = live.record.log as MessageView[]
    const at = log.findIndex((m) => m.seq >= view.seq)
    if (at < 0) log.push(view)
    else if (log[at]!.seq === view.seq) log[at] = view
    else log.splice(at, 0, view)
    this.client.inject({ type: 'message', ...view })
  }

  private async advance(live: LiveRoom, seq: number): Promise<void> {
    if (seq > live.record.processedSeq) live.record.processedSeq = seq
    await this.save(live)
  }

  private async save(live: LiveRoom): Promise<void> {
    await this.options.store.saveRoom(live.name, live.record, live.group?.encode())
  }

  private epochMoved(live: LiveRoom): void {
    for (const wake of live.epochWaiters.splice(0)) wake()
  }

  /**
   * Wait until this device's group is at `epoch` (the hub's, as a stale refusal says): the Commits
   * that won come in the room's order; if they do not come in time, fetch them.
   */
  private async reachEpoch(live: LiveRoom, epoch: number): Promise<void> {
    const reached = () => (live.group?.epoch ?? Number.MAX_SAFE_INTEGER) >= epoch
    for (let round = 0; round < 2 && !reached(); round++) {
      const moved = this.epochChange(live)
      await this.serial.idle(live.name)
      if (reached()) return
      await moved
      await this.serial.idle(live.name)
      if (!reached()) await this.catchUp(live, Number.MAX_SAFE_INTEGER)
    }
  }

  /** Resolves when the room's epoch next moves, or after a while (the caller then tries anyway). */
  private epochChange(live: LiveRoom): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, CATCH_UP_MS)
      live.epochWaiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  // ---- joining -------------------------------------------------------------------------------

  async joined(ack: AckFrame<'join'>): Promise<void> {
    const view = ack.e2e!
    if (ack.e2e?.welcome) this.welcomes.set(ack.room, ack.e2e.welcome)
    const live = await this.open(ack.room, view)
    await this.serial.run(ack.room, async () => {
      await this.adoptWelcome(ack.room)
      // Not in the group: nothing up to now was meant for this device (a member adds it later).
      if (!live.group && live.record.processedSeq < ack.seq) await this.advance(live, ack.seq)
    })
    await this.catchUp(live, ack.seq)
  }

  /** Fetch (and process) what this device has not processed up to `seq`: the Commits it needs first. */
  private async catchUp(live: LiveRoom, seq: number): Promise<void> {
    for (;;) {
      await this.serial.run(live.name, () => this.drain(live))
      const from = live.record.processedSeq
      if (from >= seq) return
      const page = await this.client.request('join', { room: live.name, since: from })
      await this.serial.idle(live.name)
      if (live.record.processedSeq === from && !page.more) return // a gap the hub cannot fill
    }
  }

  /** A Welcome for this device: join the group at its Commit, if not in it yet. */
  private async adoptWelcome(room: string): Promise<void> {
    const welcome = this.welcomes.get(room)
    const live = this.live.get(room)
    if (!welcome || !live || live.group) return
    this.welcomes.delete(room)
    const crypto = await this.crypto()
    try {
      live.group = await crypto.joinGroup(fromBase64(welcome.data))
    } catch (err) {
      // A Welcome that does not open with this device's KeyPackages (the hub hands a user's Welcome
      // to all their devices; one not vouched for was not added): this device stays out, and says so.
      if (!isChatError(err) || err.code !== 'E2E_WELCOME_NOT_FOR_US') throw err
      this.report(room, err)
      return
    }
    // Messages up to the Commit that added us were for the group before us.
    if (welcome.seq > live.record.processedSeq) live.record.processedSeq = welcome.seq
    this.epochMoved(live)
    await this.save(live)
  }

  /** Follow the room on this connection (catching up from what this device processed) before acting. */
  private async ready(room: string): Promise<LiveRoom> {
    await this.ensureLinked()
    // Followed from where this device stopped (a device not in the group yet starts from now).
    if (!this.client.lastSeq.has(room)) {
      const known = this.live.get(room)?.record.processedSeq ?? (await this.options.store.loadRoom(room))?.processedSeq
      await this.client.join(room, known || undefined)
    }
    await this.serial.idle(room)
    const live = this.live.get(room)
    if (!live)
      throw new ChatError('CHATHUB_E2E_NOT_E2E_ROOM', `#${room} is not end-to-end encrypted.`, 400)
    if (!live.reconciled && live.group) {
      live.reconciled = true
      await this.reconcile(live)
    }
    return live
  }

  /**
   * Members whose devices are not in the group yet (invited while they had no device, joined
   * while no member was online): add their trusted devices now, once per room and connection.
   */
  private async reconcile(live: LiveRoom): Promise<void> {
    const { members } = await this.client.members(live.name)
    const inGroup = new Set(live.group?.members().map((m) => m.user))
    const missing = members.map((m) => m.user).filter((u) => !inGroup.has(u) && !live.removals.has(u))
    // One Commit for all of them: a Commit per user would make every member process as many.
    if (missing.length > 0) await this.addUsers(live.name, missing).catch((err: unknown) => this.report(live.name, err))
  }

  // ---- sending -------------------------------------------------------------------------------

  async create(
    room: string,
    options: { private?: boolean; topic?: string },
  ): Promise<AckFrame<'create'>> {
    await this.ensureLinked()
    const ack = await this.client.request('create', { room, ...options, e2e: true })
    const view = ack.e2e!
    const live = await this.open(room, view)
    const crypto = await this.crypto()
    live.group = await crypto.createGroup(fromBase64(view.group))
    await this.save(live)
    return ack
  }

  /**
   * Open the direct conversation with `user`: as it is when it exists (clear or not). A new one is
   * end-to-end encrypted when asked (`e2e`) or when the hub requires it (CHATHUB_E2E_REQUIRED): the
   * hub makes the room, this device its group, and `user`'s trusted devices are added (when they
   * have none yet, the next device of the conversation that is online adds them later).
   */
  async openDirect(user: string, options: { e2e?: boolean }): Promise<AckFrame<'dm'>> {
    let ack: AckFrame<'dm'> | undefined
    if (!options.e2e) {
      ack = await this.client.request('dm', { user }).catch((err: unknown) => {
        if (isChatError(err) && err.code === 'CHATHUB_E2E_REQUIRED') return undefined
        throw err
      })
    }
    if (!ack) {
      await this.ensureLinked()
      ack = await this.client.request('dm', { user, e2e: true })
    }
    const view = ack.e2e
    if (!view) {
      this.clear.add(ack.room)
      return ack
    }
    const live = await this.open(ack.room, view)
    if (!ack.created) return ack
    // A new room: nothing this device kept under its name (a conversation an admin deleted) is of it.
    live.record = { group: view.group, suite: 1, processedSeq: 0, log: [] }
    live.group = await (await this.crypto()).createGroup(fromBase64(view.group))
    await this.save(live)
    const room = ack.room
    await this.addUser(room, ack.user).catch((err: unknown) => this.report(room, err))
    return ack
  }

  async upload(
    _room: string,
    bytes: Uint8Array,
    options: { name?: string; mime?: string },
    store: (ciphertext: Uint8Array) => Promise<AttachmentView>,
  ): Promise<AttachmentView> {
    const { encryptFile } = await import('./file-crypto.ts')
    const mime = options.mime ?? sniffMime(bytes.subarray(0, 64))
    // What the hub does to every image of a clear room, done here: it only gets ciphertext. EXIF,
    // text and time chunks go; the pixels stay byte for byte (a hidden message survives).
    const stripped = stripMetadata(mime, bytes)
    if (!stripped.ok)
      throw new ChatError('CHATHUB_ATTACHMENT_IMAGE_INVALID', `The image cannot be read (${stripped.why}); check that the file is complete.`, 400)
    const sealed = await encryptFile(stripped.bytes)
    const stored = await store(sealed.data)
    const view: AttachmentView = {
      id: stored.id,
      name: sanitizeName(options.name, mime),
      mime,
      size: stripped.bytes.length,
      e2e: { key: sealed.key, sha256: sealed.sha256 },
    }
    this.uploads.set(stored.id, view)
    return view
  }

  async say(room: string, text: string, options: SayOptions): Promise<AckFrame<'say'>> {
    const given = new Map((options.files ?? []).map((f) => [f.id, f]))
    const files = (options.attachments ?? []).map((id) => {
      const file = given.get(id) ?? this.uploads.get(id)
      if (!file?.e2e)
        throw new ChatError('E2E_UNSUPPORTED', `Attachment ${id} was not encrypted by this client: upload it with client.upload() first.`, 400)
      return file
    })
    const txn = options.txn ?? randomId()
    const replyTo = options.replyTo ? { replyTo: options.replyTo } : {}
    const attachments = files.length > 0 ? { attachments: files } : {}
    const live = await this.ready(room)
    const view: MessageView = { room, seq: 0, from: this.client.user, text, ts: Date.now(), txn, ...replyTo, ...attachments }
    const sealed = files.map(({ e2e, ...f }) => ({ ...f, key: e2e!.key, sha256: e2e!.sha256 }))
    const payload: E2ePayload = { v: 1, t: 'say', text, txn, ...replyTo, ...(sealed.length > 0 ? { attachments: sealed } : {}) }
    const linked = files.length > 0 ? { attachments: files.map((f) => f.id) } : {}
    const ack = await this.send(live, payload, txn, linked, (device, seq, ts) => {
      if (!logged(live, seq)) this.record(live, { ...view, seq, ts, e2e: { device } })
    })
    return { type: 'ack', ref: ack.ref, room, seq: ack.seq, duplicate: ack.duplicate }
  }

  /** Edit one of your messages: an encrypted change the members' devices apply to their logs. */
  async edit(room: string, seq: number, text: string): Promise<AckFrame<'edit'>> {
    const live = await this.ready(room)
    this.ownMessage(live, seq)
    const change: E2eChange = { v: 1, t: 'edit', seq, text }
    await this.send(live, change, randomId(), {}, (_device, at, ts) =>
      this.applyChange(live, change, this.client.user, at, ts),
    )
    return { type: 'ack', ref: '', room, seq }
  }

  /**
   * Delete one of your messages, or as a moderator or the owner anyone's: encrypted for the members,
   * and the hub drops its ciphertext.
   */
  async delete(room: string, seq: number): Promise<AckFrame<'delete'>> {
    const live = await this.ready(room)
    const moderated = await this.moderates(live, seq, this.client.user)
    if (!moderated) this.ownMessage(live, seq)
    const change: E2eChange = { v: 1, t: 'delete', seq }
    await this.send(live, change, randomId(), { deletes: seq }, (_device, at, ts) =>
      this.applyChange(live, change, this.client.user, at, ts, moderated),
    )
    return { type: 'ack', ref: '', room, seq }
  }

  /** Add (or take back) your reaction: an encrypted change; the hub sees only that something was sent. */
  async react(room: string, seq: number, emoji: string, remove: boolean): Promise<AckFrame<'react'>> {
    const live = await this.ready(room)
    const target = (live.record.log as MessageView[]).find(
      (m) => m.seq === seq && !m.undecryptable && m.deletedAt === undefined,
    )
    if (!target) throw notOnThisDevice(room, seq)
    const had = target.reactions?.some((r) => r.emoji === emoji && r.users.includes(this.client.user)) ?? false
    if (had !== remove) return { type: 'ack', ref: '', room, seq, emoji, changed: false }
    const change: E2eChange = { v: 1, t: 'react', seq, emoji, ...(remove ? { remove } : {}) }
    await this.send(live, change, randomId(), {}, (_device, at, ts) =>
      this.applyChange(live, change, this.client.user, at, ts),
    )
    return { type: 'ack', ref: '', room, seq, emoji, changed: true }
  }

  /**
   * Whether `user` deletes someone else's message `seq` as the room's moderator or owner (their
   * role as the hub lists it now; the hub checks the same when it drops the ciphertext).
   */
  private async moderates(live: LiveRoom, seq: number, user: string): Promise<boolean> {
    const target = (live.record.log as MessageView[]).find((m) => m.seq === seq)
    if (!target || target.undecryptable || target.deletedAt !== undefined || target.from === user) return false
    const { members } = await this.client.members(live.name)
    const role = members.find((m) => m.user === user)?.role
    return role === 'owner' || role === 'moderator'
  }

  /** A message of yours this device has: others' messages cannot be edited (or deleted, but by a moderator) in an E2E room. */
  private ownMessage(live: LiveRoom, seq: number): void {
    const target = (live.record.log as MessageView[]).find((m) => m.seq === seq)
    if (!target || target.undecryptable || target.deletedAt !== undefined) throw notOnThisDevice(live.name, seq)
    if (target.from !== this.client.user) {
      throw new ChatError(
        'CHATHUB_FORBIDDEN',
        'You are not allowed to change messages of others in an end-to-end encrypted room.',
        403,
      )
    }
  }

  /**
   * Encrypt `payload` on the current epoch and send it; `applied` runs once, with the seq the hub
   * gave it (its effect on this device: MLS cannot decrypt our own message back). Refused as stale
   * (another Commit won) or while a removal is pending: catch up or commit the removal, then again.
   */
  private async send(
    live: LiveRoom,
    payload: E2ePayload,
    txn: string,
    extra: { deletes?: number; attachments?: string[] },
    applied: (device: string, seq: number, ts: number) => void,
  ): Promise<AckFrame<'mls'>> {
    const bytes = encodePayload(payload)
    for (let attempt = 1; ; attempt++) {
      const data = await this.serial.run(live.name, async () => {
        const group = this.requireGroup(live)
        const encrypted = toBase64(await group.encrypt(bytes))
        await this.save(live)
        this.sent.set(encrypted, {
          apply: (seq, ts) => {
            this.sent.delete(encrypted)
            applied(group.device, seq, ts)
          },
        })
        return encrypted
      })
      try {
        const ack = await this.client.request('mls', { room: live.name, txn, data, ...extra })
        await this.serial.run(live.name, async () => {
          this.sent.get(data)?.apply(ack.seq, Date.now())
          await this.save(live)
        })
        await this.serial.idle(live.name)
        return ack
      } catch (err) {
        this.sent.delete(data)
        if (!(await this.recover(live, err, attempt))) throw err
      }
    }
  }

  /**
   * An edit, delete or reaction (by `from`, at `seq`) applied to the log and shown as the hub's
   * events show them. An edit of someone else's message is ignored, and a delete unless `moderated` (moderates()).
   */
  private applyChange(live: LiveRoom, change: E2eChange, from: string, seq: number, ts: number, moderated = false): void {
    const log = live.record.log as MessageView[]
    const target = log.find((m) => m.seq === change.seq && !m.undecryptable && m.deletedAt === undefined)
    if (!target) return
    const room = live.name
    if (change.t === 'react') {
      const added = !change.remove
      target.reactions = withReaction(target.reactions ?? [], change.emoji, from, added)
      this.client.inject({ type: 'reaction', room, seq: target.seq, emoji: change.emoji, user: from, added, rev: seq })
      return
    }
    if (target.from !== from && !(change.t === 'delete' && moderated)) return
    if (change.t === 'edit') {
      target.text = change.text
      target.editedAt = ts
      this.client.inject({ type: 'edited', room, seq: target.seq, text: change.text, editedAt: ts, rev: seq })
      return
    }
    target.text = null
    target.deletedAt = ts
    delete target.reactions
    this.client.inject({ type: 'deleted', room, seq: target.seq, by: from, deletedAt: ts, rev: seq })
  }

  /** After a refused send or Commit: catch up (or commit the pending removal) and say whether to try again. */
  private async recover(live: LiveRoom, err: unknown, attempt: number): Promise<boolean> {
    if (!isChatError(err) || attempt >= MOST_ATTEMPTS) return false
    if (err.code === 'CHATHUB_E2E_STALE_EPOCH') {
      const before = live.group?.epoch ?? 0
      const epoch = typeof err.details?.epoch === 'number' ? err.details.epoch : before + 1
      await this.reachEpoch(live, epoch)
      return attempt < STALE_ATTEMPTS || (live.group?.epoch ?? 0) > before
    }
    if (attempt >= STALE_ATTEMPTS) return false
    if (err.code === 'CHATHUB_E2E_REMOVAL_PENDING') {
      const named = Array.isArray(err.details?.users) ? (err.details.users as string[]) : []
      const users = [...new Set([...live.removals, ...named])]
      await this.removeUsers(live.name, users)
      return true
    }
    return false
  }

  private requireGroup(live: LiveRoom): RoomGroup {
    if (!live.group) {
      throw new ChatError(
        'E2E_NOT_IN_GROUP',
        `This device is not in the end-to-end group of #${live.name} yet: a member's device adds it when online (or invite it again).`,
        409,
      )
    }
    return live.group
  }

  async history(
    room: string,
    options: { before?: number; limit?: number; thread?: number },
  ): Promise<AckFrame<'history'>> {
    const live = await this.ready(room)
    const limit = options.limit ?? 50
    const before = options.before ?? Number.MAX_SAFE_INTEGER
    const older = (live.record.log as MessageView[]).filter(
      (m) =>
        m.seq < before &&
        (options.thread === undefined || m.seq === options.thread || m.thread === options.thread),
    )
    const messages = older.slice(-limit)
    return { type: 'ack', ref: '', room, messages, more: older.length > messages.length }
  }

  /**
   * Search what this device decrypted in its E2E rooms (the hub has only their ciphertext): the
   * hub's syntax and filters (core/client/e2e/log-search.ts), newest first, hits marked `device`.
   * Each room is caught up first, as history() does. `rooms`: how many rooms were searched.
   */
  async search(
    q: string,
    options: DeviceSearchOptions = {},
  ): Promise<{ results: SearchHit[]; more: boolean; rooms: number }> {
    const { room, below, limit = 20, ...filters } = options
    const search = compileSearch(q, filters)
    // A client that never had a device here decrypted nothing: no device is registered for a search.
    if (!this.linked && !(await this.options.store.loadDevice())) return { results: [], more: false, rooms: 0 }
    const names =
      room !== undefined
        ? [room]
        : (await this.client.rooms()).rooms.filter((r) => r.e2e && r.role !== undefined).map((r) => r.name)
    const logs: { room: string; log: MessageView[] }[] = []
    for (const name of names) {
      const live = await this.ready(name)
      logs.push({ room: name, log: live.record.log as MessageView[] })
    }
    const page = searchLogs(logs, search, { below, limit })
    return { ...page, rooms: logs.length }
  }

  // ---- changing the group --------------------------------------------------------------------

  async invite(room: string, user: string): Promise<AckFrame<'invite'>> {
    const ack = await this.client.request('invite', { room, user })
    await this.addUser(room, user)
    return ack
  }

  /**
   * Add `user`'s devices a moment from now, with whoever else joins or brings a device meanwhile:
   * when many join at once, one Commit adds them all (a Commit each would make every member process
   * as many, and most of them would lose the race for their epoch).
   */
  private addSoon(room: string, user: string): void {
    const queued = this.toAdd.get(room)
    if (queued) {
      queued.add(user)
      return
    }
    const users = new Set([user])
    this.toAdd.set(room, users)
    setTimeout(() => {
      this.toAdd.delete(room)
      void this.addUsers(room, [...users]).catch((err: unknown) => this.report(room, err))
    }, ADD_BATCH_MS + this.myTurn(room))
  }

  /**
   * How long this device waits before it commits a change every member's device hears of (a join,
   * a new device, a removal): the device on the group's first leaf at once, the next one a step
   * later, and so on (at most TURN_STEPS steps). The first one online makes the Commit; the others
   * find it done, instead of all building one and all but one losing the race.
   */
  private myTurn(room: string): number {
    const group = this.live.get(room)?.group
    if (!group) return 0
    const removing = this.live.get(room)?.removals ?? new Set<string>()
    const leaves = group.members().filter((m) => !removing.has(m.user))
    const rank = leaves.findIndex((m) => m.user === this.client.user && m.device === group.device)
    return Math.min(Math.max(rank, 0), TURN_STEPS) * TURN_STEP_MS
  }

  /** Add every trusted device of `user` that has a KeyPackage to the room's group. */
  addUser(room: string, user: string): Promise<void> {
    return this.addUsers(room, [user])
  }

  /** Add every trusted device of each of `users` that has a KeyPackage to the room's group, in one Commit. */
  async addUsers(room: string, users: string[]): Promise<void> {
    const live = await this.ready(room)
    const crypto = await this.crypto()
    // KeyPackages claimed once: a Commit rebuilt after another one won adds the same devices.
    const claimed = new Map<string, ClaimedPackage[]>()
    await this.commit(live, async (group) => {
      const add: Uint8Array[] = []
      for (const user of users) {
        const { devices } = await this.client.request('devices', { user })
        const trusted = await crypto.trustedDevices(user, devices)
        const inGroup = new Set(
          group
            .members()
            .filter((m) => m.user === user)
            .map((m) => m.device),
        )
        const wanted = trusted.filter((d) => !inGroup.has(d) && d !== group.device)
        if (wanted.length === 0) continue
        let packages = claimed.get(user)
        if (!packages || wanted.some((d) => !packages?.some((p) => p.device === d))) {
          packages = (await this.client.request('claim', { room, user })).packages
          claimed.set(user, packages)
        }
        for (const p of packages) if (wanted.includes(p.device)) add.push(fromBase64(p.data))
      }
      return add.length === 0 ? undefined : group.proposeCommit({ add })
    })
  }

  /** Remove every leaf of `users` from the room's group (the hub asked: they left or were removed). */
  async removeUsers(room: string, users: string[]): Promise<void> {
    const live = this.live.get(room) ?? (await this.ready(room))
    for (const user of users) live.removals.add(user)
    await this.commitRemovals(room)
  }

  /**
   * What a pending removal of `users` takes out of the group: every leaf of a user who is no longer
   * a member (left, kicked, banned, account gone); of one who still is (they removed a device), only
   * the leaves of devices their account no longer has.
   */
  private async removalOf(room: string, group: RoomGroup, users: string[]): Promise<CommitIntent> {
    const { members } = await this.client.members(room)
    const staying = new Set(members.map((m) => m.user).filter((u) => users.includes(u)))
    const removeDevices: Member[] = []
    for (const user of staying) {
      const { devices } = await this.client.request('devices', { user })
      const registered = new Set(devices.map((d) => d.device))
      for (const m of group.members()) if (m.user === user && !registered.has(m.device)) removeDevices.push({ user, device: m.device })
    }
    return { removeUsers: users.filter((u) => !staying.has(u)), removeDevices }
  }

  /** Commit the removals this device knows are pending in the room, if any are left. */
  private async commitRemovals(room: string): Promise<void> {
    const live = this.live.get(room) ?? (await this.ready(room))
    if (!live.group || live.removals.size === 0) return
    await this.ready(room)
    let committed: string[] = []
    await this.commit(
      live,
      async (group) => {
        // Another member's Commit may have removed them meanwhile (then nothing is left to do);
        // users with no leaf still need a Commit naming them: the hub holds messages back until one does.
        committed = [...live.removals]
        if (committed.length === 0) return undefined
        const removal = await this.removalOf(live.name, group, committed)
        return (await group.proposeCommit(removal)) ?? group.proposeCommit({})
      },
      () => committed,
    )
    for (const user of committed) live.removals.delete(user)
  }

  /**
   * Make a Commit with `build` on the current epoch and send it; when another Commit won the
   * epoch, catch up and build again (build returns undefined when there is nothing left to do).
   * The Commit is applied when it comes back in the room's order (group.process confirms it).
   */
  private async commit(
    live: LiveRoom,
    build: (group: RoomGroup) => Promise<PendingCommit | undefined>,
    removed: () => string[] = () => [],
  ): Promise<void> {
    return this.committing.run(live.name, () => this.commitNow(live, build, removed))
  }

  private async commitNow(
    live: LiveRoom,
    build: (group: RoomGroup) => Promise<PendingCommit | undefined>,
    removed: () => string[],
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const made = await this.serial.run(live.name, async () => {
        const pending = await build(this.requireGroup(live))
        if (pending) await this.save(live)
        return pending && { pending, removed: [...new Set([...pending.removed, ...removed()])] }
      })
      if (!made) return
      const { pending } = made
      try {
        await this.client.request('mls', {
          room: live.name,
          txn: randomId(),
          data: toBase64(pending.commit),
          groupInfo: toBase64(pending.groupInfo),
          ...(pending.welcome && pending.added.length > 0
            ? { welcome: toBase64(pending.welcome), to: pending.added }
            : {}),
          ...(made.removed.length > 0 ? { removed: made.removed } : {}),
        })
        await this.serial.idle(live.name)
        return
      } catch (err) {
        await this.serial.run(live.name, async () => {
          live.group?.discard()
          await this.save(live)
        })
        if (!(await this.recover(live, err, attempt))) throw err
      }
    }
  }

  private report(room: string, err: unknown): void {
    const text = isChatError(err) ? `${err.code}: ${err.message}` : String(err)
    this.client.inject({ type: 'notice', room, text: `end-to-end: ${text}` })
  }
}

/** Reactions after `user` added (or took back) `emoji`: counts per emoji, users in the order they came. */
const withReaction = (reactions: ReactionView[], emoji: string, user: string, added: boolean): ReactionView[] => {
  const others = reactions.map((r) => (r.emoji === emoji ? { ...r, users: r.users.filter((u) => u !== user) } : r))
  const next = added
    ? others.some((r) => r.emoji === emoji)
      ? others.map((r) => (r.emoji === emoji ? { ...r, users: [...r.users, user] } : r))
      : [...others, { emoji, count: 0, users: [user] }]
    : others
  return next.map((r) => ({ ...r, count: r.users.length })).filter((r) => r.count > 0)
}

/** An encrypted message's file as messages show attachments, with its key kept on the device. */
const fileView = ({ key, sha256, ...file }: E2eAttachment): AttachmentView => ({ ...file, e2e: { key, sha256 } })

const logged = (live: LiveRoom, seq: number): boolean => live.record.log.some((m) => m.seq === seq)

const viewOf = (frame: MessageEvent): MessageView => {
  const { type: _type, mls: _mls, ...view } = frame
  return view
}

const undecryptable = (
  frame: MessageEvent,
  code: string,
  reason: string,
  message: string,
): MessageView => ({
  ...viewOf(frame),
  text: null,
  undecryptable: { code, reason, message },
})
