// E2E rooms when things go wrong, with real devices on a real hub: the hub restarted on its data dir
// right after it accepted a Commit (devices come back with their stores: one was offline during the
// Commit, the committer stopped before it saw its Commit come back); a device starting anew on what
// it missed; a 50-member room where one member leaves; a kicked member whose socket stays open; how
// many Commits a removal takes (one: the members that lost the race find it done).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { ChatClient } from '#core/client/sdk'
import { loadMlsCrypto } from '#core/client/e2e/mls-crypto'
import { E2eSession } from '#core/client/e2e/session'
import { type DeviceStoreData, MemoryDeviceStore } from '#core/client/e2e/store'
import { fromBase64, toBase64 } from '#core/protocol/e2e'
import type { EventOf, MessageView } from '#core/protocol/messages'
import { startHub, type TestHub } from '#test/helpers/start-hub'

/** A user's device: a client with its E2E session over the device's store. */
interface Person {
  name: string
  client: ChatClient
  session: E2eSession
  store: MemoryDeviceStore
}

/**
 * A device (a fresh store, or the same one again: a device starting anew) on `url`, registered with
 * its KeyPackages published.
 */
const device = async (url: string, token: string, name: string, store = new MemoryDeviceStore()): Promise<Person> => {
  const client = await ChatClient.connect(url, token)
  const session = await E2eSession.attach(client, { deviceName: `${name}'s laptop`, store })
  await session.enable()
  return { name, client, session, store }
}

/** The next decrypted message in `room` with `text`, as the client emits it. */
const received = (p: Person, room: string, text: string, timeoutMs?: number) =>
  p.client.next('message', (m) => m.room === room && m.text === text, timeoutMs)

/** `text` sent by `from` and decrypted by each of `to`. */
const goesRound = async (from: Person, to: Person[], room: string, text: string, timeoutMs?: number) => {
  const waits = Promise.all(to.map((p) => received(p, room, text, timeoutMs)))
  waits.catch(() => {}) // awaited below, once sent
  const sent = await from.client.say(room, text)
  for (const got of await waits) expect(got).toMatchObject({ seq: sent.seq, from: from.name, text })
  return sent
}

/**
 * The room's group as the device's store holds it, decoded (undefined when the device is not in it);
 * with `via`, it looks devices up at the hub (to process Commits), else it knows none.
 */
const storedGroup = async (p: Person, room: string, via?: ChatClient) => {
  const stored = await p.store.loadGroup(room)
  if (!stored) return undefined
  const crypto = await loadMlsCrypto({
    user: p.name,
    deviceName: 'x',
    store: p.store,
    directory: async (user) => (via ? (await via.request('devices', { user })).devices : []),
  })
  return crypto.loadGroup(stored)
}

/** Every `message` event of `room` the client emits from now on. */
const recordMessages = (client: ChatClient, room: string): EventOf<'message'>[] => {
  const seen: EventOf<'message'>[] = []
  client.on('message', (m: EventOf<'message'>) => {
    if (m.room === room) seen.push(m)
  })
  return seen
}

/** The hub's copy of message `seq` of `room` (ciphertext and what the hub sees of it). */
const onHub = async (client: ChatClient, room: string, seq: number): Promise<MessageView> => {
  const { messages } = await client.request('history', { room, before: seq + 1, limit: 1 })
  expect(messages[0]?.seq).toBe(seq)
  return messages[0]!
}

/**
 * Settles once the device has handled the hub's next `e2e.remove` (its session then commits the
 * removal, or finds it done): what `removeUsers` returned on its next call, its failure included.
 */
const removalHandled = (p: Person): Promise<unknown> => {
  // The session commits a removal the hub announced once it is this device's turn (private).
  const session = p.session as unknown as { commitRemovals(room: string): Promise<void> }
  const commitRemovals = session.commitRemovals.bind(session)
  return new Promise((resolve) => {
    vi.spyOn(session, 'commitRemovals').mockImplementationOnce((room) => {
      const done = commitRemovals(room)
      resolve(done.catch((err: unknown) => err))
      return done
    })
  })
}

/**
 * A device's store that keeps no write after it saved a group with a Commit pending: what a device
 * that stopped right after sending its Commit holds, before it saw the hub's answer.
 */
class StopsAfterCommit extends MemoryDeviceStore {
  private armed = false
  private stopped = false

  /** From now on, stop at the next group saved with a Commit pending. */
  arm(): void {
    this.armed = true
  }

  /** The device started again: it reads what was kept, and keeps its writes again. */
  restart(): void {
    this.armed = false
    this.stopped = false
  }

  protected override async update(change: (data: DeviceStoreData) => void): Promise<void> {
    if (!this.stopped) await super.update(change)
  }

  override async saveRoom(...args: Parameters<MemoryDeviceStore['saveRoom']>): Promise<void> {
    await super.saveRoom(...args)
    if (this.armed && args[2]?.pending) this.stopped = true
  }
}

describe('a hub restarted in the middle of an epoch change', () => {
  let dataDir: string
  let running: TestHub | undefined
  const clients: ChatClient[] = []

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'chathub-resilience-'))
  })
  afterAll(async () => {
    for (const c of clients) await c.close()
    await running?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  test('devices come back with their stores, catch up on the Commit and meet at one epoch', async () => {
    const first = await startHub({}, { dataDir })
    running = first
    // Sessions are rows of the database: the tokens of the first run log in to the second.
    const tokens = { alice: first.token('alice'), bob: first.token('bob'), carol: first.token('carol') }
    const aliceStore = new StopsAfterCommit()
    let alice = await device(first.url, tokens.alice, 'alice', aliceStore)
    let bob = await device(first.url, tokens.bob, 'bob')
    let carol = await device(first.url, tokens.carol, 'carol')
    clients.push(alice.client, bob.client, carol.client)

    await alice.client.create('vault', { e2e: true, private: true })
    await alice.client.invite('vault', 'bob')
    await bob.client.join('vault')
    await goesRound(alice, [bob], 'vault', 'before the restart')
    await goesRound(bob, [alice], 'vault', 'bob was here')

    // Bob's device goes offline; carol is invited (the hub's invitation only), then alice's device
    // adds her: a Commit and a Welcome. Alice's device keeps nothing once its Commit is on its way
    // (it stopped before it saw the Commit come back), and the hub goes down right after it acked.
    await bob.client.close()
    await alice.client.request('invite', { room: 'vault', user: 'carol' })
    const before = await alice.client.request('groupinfo', { room: 'vault' })
    aliceStore.arm()
    await alice.session.addUser('vault', 'carol')
    await first.close()
    running = undefined
    expect((await storedGroup(alice, 'vault'))?.pending?.epoch).toBe(before.epoch)

    // Same data dir, new port: each device starts anew on its own store.
    aliceStore.restart()
    const second = await startHub({}, { dataDir })
    running = second
    alice = await device(second.url, tokens.alice, 'alice', aliceStore)
    bob = await device(second.url, tokens.bob, 'bob', bob.store)
    carol = await device(second.url, tokens.carol, 'carol', carol.store)
    clients.push(alice.client, bob.client, carol.client)
    const after = await alice.client.request('groupinfo', { room: 'vault' })
    expect(after.epoch).toBe(before.epoch + 1)

    // Carol's Welcome was kept through the restart; bob's device replays the Commit it missed;
    // alice's finds its own Commit in the room's order and applies it.
    const logs = [alice, bob, carol].map((p) => recordMessages(p.client, 'vault'))
    await carol.client.join('vault')
    await bob.client.join('vault')
    await goesRound(alice, [bob, carol], 'vault', 'after the restart')
    await goesRound(bob, [alice, carol], 'vault', 'bob caught up')
    await goesRound(carol, [alice, bob], 'vault', 'carol made it')
    for (const log of logs) expect(log.filter((m) => m.text === null)).toEqual([])

    // One epoch everywhere: the hub's, and each device's group (with nothing left pending).
    const now = await alice.client.request('groupinfo', { room: 'vault' })
    expect(now.epoch).toBe(after.epoch)
    expect(now.groupInfo).toBeDefined()
    for (const p of [alice, bob, carol]) {
      const group = await storedGroup(p, 'vault')
      expect(group?.epoch, p.name).toBe(now.epoch)
      expect(group?.pending, p.name).toBeUndefined()
      expect(group?.members().map((m) => m.user).sort(), p.name).toEqual(['alice', 'bob', 'carol'])
    }
    // Each device's log: what it decrypted, and nothing it could not.
    const texts = async (p: Person) => (await p.client.history('vault')).messages.map((m) => m.text)
    const since = ['after the restart', 'bob caught up', 'carol made it']
    expect(await texts(alice)).toEqual(['before the restart', 'bob was here', ...since])
    expect(await texts(bob)).toEqual(['before the restart', 'bob was here', ...since])
    expect(await texts(carol)).toEqual(since)
  })
})

describe('a device that starts anew', () => {
  let h: TestHub
  const clients: ChatClient[] = []
  beforeAll(async () => {
    h = await startHub()
  })
  afterAll(async () => {
    for (const c of clients) await c.close()
    await h.close()
  })

  // A device that starts anew and reads a room (history, say: ready() joins `since` what it
  // processed): the hub replays the missed messages before the join's ack, and both the first
  // replayed message and the ack open the room; it must be opened once (one group), or the first
  // message would be decrypted and shown twice.
  test('a message it missed is shown once when it reads the room', async () => {
    const alice = await device(h.url, h.token('alice'), 'alice')
    const bob = await device(h.url, h.token('bob'), 'bob')
    clients.push(alice.client, bob.client)
    await alice.client.create('missed', { e2e: true })
    await alice.client.invite('missed', 'bob')
    await bob.client.join('missed')
    await goesRound(bob, [alice], 'missed', 'seen live')
    await alice.client.close()
    await bob.client.say('missed', 'while you were away')
    await bob.client.say('missed', 'and this too')

    const again = await device(h.url, h.token('alice'), 'alice', alice.store)
    clients.push(again.client)
    const shown = recordMessages(again.client, 'missed')
    const page = await again.client.history('missed')
    expect(page.messages.map((m) => m.text)).toEqual(['seen live', 'while you were away', 'and this too'])
    const sentinel = received(again, 'missed', 'sentinel')
    await bob.client.say('missed', 'sentinel')
    await sentinel
    expect(shown.map((m) => m.text)).toEqual(['while you were away', 'and this too', 'sentinel'])
  })
})

describe('removals', () => {
  let h: TestHub
  const clients: ChatClient[] = []
  beforeAll(async () => {
    h = await startHub()
  })
  afterAll(async () => {
    for (const c of clients) await c.close()
    await h.close()
  })

  /** alice (the owner), bob and erin in `room`, an E2E room, each on a device; erin's device reads it. */
  /** Three users, each on a device of their own (new users: another device of a user would need a vouch). */
  const trio = async (room: string, names = ['alice', 'bob', 'erin']) => {
    const [alice, bob, erin] = await Promise.all(names.map((n) => device(h.url, h.token(n), n)))
    clients.push(alice!.client, bob!.client, erin!.client)
    await alice!.client.create(room, { e2e: true, private: true })
    await alice!.client.invite(room, names[1]!)
    await alice!.client.invite(room, names[2]!)
    await bob!.client.join(room)
    await erin!.client.join(room)
    await goesRound(alice!, [bob!, erin!], room, 'all three of us')
    return [alice!, bob!, erin!] as const
  }

  test('a kicked member whose socket stays open gets nothing that follows, and cannot decrypt it', async () => {
    const [alice, bob, erin] = await trio('council')
    // Erin also has a connection without a session: it shows the frames as the hub sends them.
    const raw = await h.connect('erin')
    clients.push(raw)
    await raw.join('council')
    await alice.client.create('council-lobby')
    await alice.client.invite('council-lobby', 'erin')
    await erin.client.join('council-lobby')
    await raw.join('council-lobby')
    const epoch = (await alice.client.request('groupinfo', { room: 'council' })).epoch

    const onDevice = recordMessages(erin.client, 'council')
    const onSocket: EventOf<'message'>[] = []
    raw.on('message', (m: EventOf<'message'>) => {
      if (m.room === 'council') onSocket.push(m)
    })
    const kicked = Promise.all([erin.client, raw].map((c) => c.next('kicked', (k) => k.room === 'council')))
    await alice.client.kick('council', 'erin')
    await kicked
    const after = await goesRound(alice, [bob], 'council', 'after the kick')
    await goesRound(bob, [alice], 'council', 'and this one')
    const sentinels = Promise.all([erin.client, raw].map((c) => c.next('message', (m) => m.text === 'sentinel')))
    await alice.client.say('council-lobby', 'sentinel')
    await sentinels
    expect(erin.client.open && raw.open).toBe(true)
    expect(onDevice).toEqual([])
    expect(onSocket).toEqual([])

    // The ciphertext in hand, erin's device cannot decrypt it: not from the group it kept, and not
    // after it applied the Commit that removed it.
    const secret = await onHub(alice.client, 'council', after.seq)
    expect(secret.mls?.kind).toBe('application')
    const kept = await storedGroup(erin, 'council')
    expect(kept?.epoch).toBe(epoch)
    await expect(kept!.process(fromBase64(secret.mls!.data))).rejects.toMatchObject({ code: 'E2E_CANNOT_DECRYPT' })
    const history = await alice.client.request('history', { room: 'council' })
    const removal = history.messages.find((m) => m.mls?.kind === 'commit' && m.mls.removed?.includes('erin'))
    expect(removal?.mls?.epoch).toBe(epoch)
    const applied = (await storedGroup(erin, 'council', raw))!
    expect(await applied.process(fromBase64(removal!.mls!.data))).toMatchObject({ kind: 'commit', removed: [{ user: 'erin' }] })
    expect(applied.active).toBe(false)
    await expect(applied.process(fromBase64(secret.mls!.data))).rejects.toMatchObject({ code: 'E2E_CANNOT_DECRYPT' })
  })

  // Every member's device online when someone leaves is told (e2e.remove) and commits the
  // removal; one Commit wins. Each device that lost finds the user gone (the Commit it processed
  // names them in `mls.removed`) and sends nothing: one removal, one Commit, whatever the number of
  // members online (docs/e2e.md).
  test('a removal takes one Commit: the members that lost the race find it done', async () => {
    const [alice, bob, erin] = await trio('split', ['ann', 'ben', 'eve'])
    const epoch = (await alice.client.request('groupinfo', { room: 'split' })).epoch
    const handled = Promise.all([alice, bob].map(removalHandled))
    await erin.client.leave('split')
    const outcomes = await handled
    expect(outcomes).toEqual([undefined, undefined])
    expect((await alice.client.request('groupinfo', { room: 'split' })).epoch).toBe(epoch + 1)
  })

  // The owner's device hears each join; joins that come together are added by one Commit (a Commit
  // each would have every member process them all, most losing the race for their epoch).
  test('people who join at once are added by one Commit, and read what follows', async () => {
    const names = ['host', 'j1', 'j2', 'j3', 'j4', 'j5']
    const [host, ...joiners] = await Promise.all(names.map((n) => device(h.url, h.token(n), n)))
    clients.push(host!.client, ...joiners.map((j) => j.client))
    await host!.client.create('burst', { e2e: true, private: true })
    await host!.client.join('burst')
    // Invited at the hub only: nobody's device is added before they join.
    for (const j of joiners) await host!.client.request('invite', { room: 'burst', user: j.name })
    await Promise.all(joiners.map((j) => j.client.join('burst')))
    // The message goes once the Commit is in (the hub's epoch moved), so every joiner can read it.
    for (let epoch = 0; epoch === 0; ) {
      epoch = (await host!.client.request('groupinfo', { room: 'burst' })).epoch
    }
    await goesRound(host!, joiners, 'burst', 'welcome, all five')
    const { messages } = await host!.client.request('history', { room: 'burst' })
    const commits = messages.filter((m) => m.mls?.kind === 'commit')
    // One, unless the machine spread the five joins over more than the session's 0.1 s batch.
    expect(commits.length).toBeLessThan(joiners.length)
    expect(new Set(commits.flatMap((c) => c.mls?.added ?? []))).toEqual(new Set(joiners.map((j) => j.name)))
  })
})

/**
 * `owner`'s device adds `users` to `room`'s group in one Commit (the session's `invite` makes one
 * Commit per user): its client stops, the group is loaded from its store, the Commit goes to the
 * hub with its Welcome and is stored back as the session keeps it (counted as processed); then the
 * device starts anew on the same store.
 */
const addAtOnce = async (url: string, token: string, owner: Person, room: string, users: string[]): Promise<Person> => {
  await owner.client.close()
  const client = await ChatClient.connect(url, token)
  try {
    const crypto = await loadMlsCrypto({
      user: owner.name,
      deviceName: 'x',
      store: owner.store,
      directory: async (user) => (await client.request('devices', { user })).devices,
    })
    await client.request('device', crypto.registration())
    const group = crypto.loadGroup((await owner.store.loadGroup(room))!)
    const claims = await Promise.all(users.map((user) => client.request('claim', { room, user })))
    const pending = await group.proposeCommit({ add: claims.flatMap((c) => c.packages.map((p) => fromBase64(p.data))) })
    expect(pending?.added).toHaveLength(users.length)
    const ack = await client.request('mls', {
      room,
      txn: 'add-at-once',
      data: toBase64(pending!.commit),
      groupInfo: toBase64(pending!.groupInfo),
      welcome: toBase64(pending!.welcome!),
      to: pending!.added,
    })
    group.confirm()
    const record = (await owner.store.loadRoom(room))!
    await owner.store.saveRoom(room, { ...record, processedSeq: ack.seq }, group.encode())
  } finally {
    await client.close()
  }
  return device(url, token, owner.name, owner.store)
}

describe('a 50-member room', () => {
  let h: TestHub
  const people: Person[] = []

  beforeAll(async () => {
    h = await startHub()
  })
  afterAll(async () => {
    for (const p of people) await p.client.close()
    await h.close()
  })

  // Where the time goes (printed): registering 50 devices is mostly KeyPackage generation (21 per
  // device); the joins are 49 Welcomes into a 50-leaf tree. The members are added in one Commit: the
  // session's `invite`, one Commit per user, would make the members' devices process 1,176 Commits
  // between them (about 100 s here, all 50 devices sharing one CPU). After the leave, one device
  // commits the removal (the one on the first leaf; the others' turns come later and find it done).
  test('everyone decrypts; a member leaves and the rest, not they, decrypt what follows', async () => {
    const t0 = performance.now()
    const laps: string[] = []
    let last = t0
    const lap = (what: string) => {
      const now = performance.now()
      laps.push(`${what} ${(now - last).toFixed(0)} ms`)
      last = now
    }
    const names = Array.from({ length: 50 }, (_, i) => (i === 0 ? 'owner' : `m${String(i).padStart(2, '0')}`))
    people.push(...(await Promise.all(names.map((n) => device(h.url, h.token(n), n)))))
    lap('devices')
    const members = people.slice(1)

    // The owner invites 49 users; its device adds them in one Commit; all of them join.
    await people[0]!.client.create('crowd', { e2e: true, private: true })
    for (const m of members) await people[0]!.client.request('invite', { room: 'crowd', user: m.name })
    const owner = await addAtOnce(h.url, h.token('owner'), people[0]!, 'crowd', members.map((m) => m.name))
    people[0] = owner
    lap('adding')
    await Promise.all(members.map((m) => m.client.join('crowd')))
    lap('joins')

    await goesRound(owner, members, 'crowd', 'hello, all 49 of you')
    const speaker = members[Math.floor(Math.random() * members.length)]!
    await goesRound(speaker, people.filter((p) => p !== speaker), 'crowd', `${speaker.name} says hi`)
    lap('two messages')

    // A member leaves: the next message reaches the 48 who stay (the speaker and 47 others), not them.
    const leaver = members.find((m) => m !== speaker)!
    const stayers = people.filter((p) => p !== leaver && p !== speaker)
    await owner.client.create('crowd-lobby')
    await leaver.client.join('crowd-lobby')
    const epoch = (await owner.client.request('groupinfo', { room: 'crowd' })).epoch
    const leaverSaw = recordMessages(leaver.client, 'crowd')
    await leaver.client.leave('crowd')
    const after = await goesRound(speaker, stayers, 'crowd', 'one less', 60_000)
    lap('leave and a message')
    const sentinel = received(leaver, 'crowd-lobby', 'sentinel')
    await owner.client.say('crowd-lobby', 'sentinel')
    await sentinel
    expect(leaverSaw).toEqual([])
    // Its device cannot decrypt it either: it still holds the group as it was before it left.
    const secret = await onHub(owner.client, 'crowd', after.seq)
    expect(secret.mls?.epoch).toBeGreaterThan(epoch)
    const group = await storedGroup(leaver, 'crowd')
    expect(group?.epoch).toBe(epoch)
    await expect(group!.process(fromBase64(secret.mls!.data))).rejects.toMatchObject({ code: 'E2E_CANNOT_DECRYPT' })

    console.log(`50-member E2E room: ${(performance.now() - t0).toFixed(0)} ms (${laps.join(', ')})`)
  }, 120_000)
})
