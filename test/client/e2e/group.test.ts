// One room's MLS group across devices: messages, adding and removing members, Commits racing for
// an epoch, and a restart in the middle of it all. The "hub" is FakeHub: encoded messages pass
// between devices in the order it gives them, as the real hub would order them.
import { expect, test } from 'vitest'
import { RoomGroup } from '#core/client/e2e/group'
import { DeviceTrust } from '#core/client/e2e/trust'
import {
  FakeHub,
  type TestDevice,
  catchUp,
  commitNow,
  groupOf,
  joinFromWelcome,
  newDevice,
  say,
  textsOf,
} from './fake-hub.ts'

const newGroupId = () => globalThis.crypto.getRandomValues(new Uint8Array(16))
const utf8 = new TextEncoder()

/** alice's laptop creates the room; alice's phone (vouched by the laptop) and bob join from one Welcome. */
const roomOfThree = async () => {
  const hub = new FakeHub()
  const laptop = await newDevice(hub, 'alice')
  const phone = await newDevice(hub, 'alice', { vouchedBy: laptop })
  const bob = await newDevice(hub, 'bob')
  laptop.group = await RoomGroup.create(laptop.ctx, newGroupId())
  // claim('alice') also hands out a package of the laptop itself: already in, so left out.
  const pending = await commitNow(hub, laptop, {
    add: [...hub.claim('alice'), ...hub.claim('bob')],
  })
  await joinFromWelcome(hub, phone)
  await joinFromWelcome(hub, bob)
  return { hub, laptop, phone, bob, pending }
}

const expectError = async (promise: Promise<unknown>, code: string, reason?: string) => {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toMatchObject({
    code,
    ...(reason ? { details: expect.objectContaining({ reason }) } : {}),
  })
}

test('three devices of two users: everyone reads everyone, and knows who sent what', async () => {
  const { hub, laptop, phone, bob, pending } = await roomOfThree()
  expect(pending.added).toEqual(['alice', 'bob'])
  expect(pending.addedDevices.map((d) => d.device)).toEqual([phone.device.id, bob.device.id])
  expect(pending.welcome).toBeDefined()

  await say(hub, laptop, 'hello from the laptop')
  await say(hub, bob, 'hi alice')
  await say(hub, phone, 'and from the phone')

  const atBob = await catchUp(hub, bob)
  expect(textsOf(atBob)).toEqual(['hello from the laptop', 'and from the phone'])
  expect(atBob.map((p) => p.kind === 'application' && p.sender)).toEqual([
    { user: 'alice', device: laptop.device.id },
    { user: 'alice', device: phone.device.id },
  ])
  expect(textsOf(await catchUp(hub, laptop))).toEqual(['hi alice', 'and from the phone'])
  expect(textsOf(await catchUp(hub, phone))).toEqual(['hello from the laptop', 'hi alice'])

  const members = groupOf(bob)
    .members()
    .map(({ user, device }) => `${user}/${device}`)
  expect(members.sort()).toEqual(
    [`alice/${laptop.device.id}`, `alice/${phone.device.id}`, `bob/${bob.device.id}`].sort(),
  )
  expect(new Set([laptop, phone, bob].map((d) => groupOf(d).epoch))).toEqual(new Set([1]))
})

test('a user with two devices is added by one Commit, and both devices join from its one Welcome', async () => {
  const { hub, laptop, phone, bob } = await roomOfThree()
  const carolLaptop = await newDevice(hub, 'carol')
  const carolTablet = await newDevice(hub, 'carol', { vouchedBy: carolLaptop })

  const pending = await commitNow(hub, bob, { add: hub.claim('carol') })
  expect(pending.added).toEqual(['carol'])
  expect(pending.addedDevices).toHaveLength(2)
  await joinFromWelcome(hub, carolLaptop)
  await joinFromWelcome(hub, carolTablet)

  const [commit] = await catchUp(hub, laptop)
  expect(commit).toMatchObject({ kind: 'commit', by: { user: 'bob' }, removed: [], epoch: 2 })
  expect(commit?.kind === 'commit' && commit.added.map((d) => d.device).sort()).toEqual(
    [carolLaptop.device.id, carolTablet.device.id].sort(),
  )
  await catchUp(hub, phone)

  await say(hub, carolTablet, 'hello, both of my devices are here')
  expect(textsOf(await catchUp(hub, carolLaptop))).toEqual(['hello, both of my devices are here'])
  expect(textsOf(await catchUp(hub, laptop))).toEqual(['hello, both of my devices are here'])
  expect(groupOf(carolLaptop).members()).toHaveLength(5)
})

test('a removed user cannot read anything sent after the Commit that removed them', async () => {
  const { hub, laptop, phone, bob } = await roomOfThree()
  await say(hub, laptop, 'before')
  expect(textsOf(await catchUp(hub, bob))).toEqual(['before'])

  const pending = await commitNow(hub, laptop, { removeUsers: ['bob'] })
  expect(pending.removed).toEqual(['bob'])
  expect(pending.welcome).toBeUndefined()
  const afterEpoch = groupOf(laptop).epoch
  const secret = await groupOf(laptop).encrypt(utf8.encode('after bob left'))
  hub.post(laptop, secret)

  // Bob processes his own removal: he is told, and gets no keys of the new epoch.
  expect(await groupOf(bob).process(pending.commit)).toMatchObject({
    kind: 'commit',
    removed: [{ user: 'bob', device: bob.device.id }],
  })
  expect(groupOf(bob).active).toBe(false)
  expect(groupOf(bob).epoch).toBeLessThan(afterEpoch)
  await expectError(groupOf(bob).process(secret), 'E2E_CANNOT_DECRYPT', 'not_a_member')
  await expectError(groupOf(bob).encrypt(utf8.encode('still here?')), 'E2E_NOT_A_MEMBER')

  // The others carry on without him.
  expect(textsOf(await catchUp(hub, phone))).toEqual(['before', 'after bob left'])
  expect(
    groupOf(phone)
      .members()
      .some((m) => m.user === 'bob'),
  ).toBe(false)
})

test('removing one device of a user keeps the user: only whole users are reported removed', async () => {
  const { hub, laptop, phone, bob } = await roomOfThree()
  const pending = await commitNow(hub, bob, {
    removeDevices: [{ user: 'alice', device: phone.device.id }],
  })
  expect(pending.removed).toEqual([])
  expect(pending.removedDevices).toEqual([{ user: 'alice', device: phone.device.id }])
  await catchUp(hub, laptop)
  expect(
    groupOf(laptop)
      .members()
      .map((m) => m.device)
      .sort(),
  ).toEqual([laptop.device.id, bob.device.id].sort())
})

test('two Commits for one epoch: the hub takes the first, the other device rebuilds its own on top, nobody forks', async () => {
  const { hub, laptop, phone, bob } = await roomOfThree()
  const carol = await newDevice(hub, 'carol')
  const dave = await newDevice(hub, 'dave')
  const carolPackages = hub.claim('carol')
  const epoch = hub.epoch

  const laptopPending = await groupOf(laptop).proposeCommit({ add: carolPackages })
  const bobPending = await groupOf(bob).proposeCommit({ add: hub.claim('dave') })
  expect(laptopPending?.epoch).toBe(epoch)
  expect(bobPending?.epoch).toBe(epoch)

  // Bob's arrives first and wins; the laptop's is refused (CHATHUB_E2E_STALE_EPOCH on the wire).
  expect(hub.commit(bob, bobPending!)).toBeTypeOf('number')
  groupOf(bob).confirm()
  expect(hub.commit(laptop, laptopPending!)).toBe('stale')
  groupOf(laptop).discard()
  // Nothing of the discarded Commit was applied.
  expect(groupOf(laptop).epoch).toBe(epoch)

  // The loser processes the winner, then makes the same change again on the new epoch.
  expect(await catchUp(hub, laptop)).toMatchObject([
    { kind: 'commit', by: { user: 'bob' }, epoch: epoch + 1 },
  ])
  await joinFromWelcome(hub, dave)
  const again = await commitNow(hub, laptop, { add: carolPackages })
  expect(again.epoch).toBe(epoch + 1)
  await joinFromWelcome(hub, carol)

  for (const d of [phone, bob, dave]) await catchUp(hub, d)
  const everyone: TestDevice[] = [laptop, phone, bob, carol, dave]
  expect(new Set(everyone.map((d) => groupOf(d).epoch))).toEqual(new Set([epoch + 2]))
  for (const d of everyone) expect(groupOf(d).members()).toHaveLength(5)

  await say(hub, dave, 'dave here')
  await say(hub, carol, 'carol here')
  for (const d of [laptop, phone, bob])
    expect(textsOf(await catchUp(hub, d))).toEqual(['dave here', 'carol here'])
  expect(textsOf(await catchUp(hub, carol))).toEqual(['dave here'])
  expect(textsOf(await catchUp(hub, dave))).toEqual(['carol here'])
})

test('a device that sees the winning Commit before hearing its own was refused drops its own at once', async () => {
  const { hub, laptop, phone, bob } = await roomOfThree()
  const phonePending = await groupOf(phone).proposeCommit({ removeUsers: ['bob'] })
  const laptopPending = await groupOf(laptop).proposeCommit({})
  expect(hub.commit(laptop, laptopPending!)).toBeTypeOf('number')
  groupOf(laptop).confirm()

  expect(await catchUp(hub, phone)).toMatchObject([
    { kind: 'commit', by: { user: 'alice', device: laptop.device.id } },
  ])
  expect(groupOf(phone).pending).toBeUndefined()
  expect(hub.commit(phone, phonePending!)).toBe('stale')
  await expect(groupOf(phone).proposeCommit({ removeUsers: ['bob'] })).resolves.toMatchObject({
    removed: ['bob'],
  })
  await catchUp(hub, bob)
  expect(groupOf(bob).epoch).toBe(groupOf(laptop).epoch)
})

test('an intent already met makes no Commit, and a second one waits for the first', async () => {
  const { laptop, bob } = await roomOfThree()
  await expect(groupOf(laptop).proposeCommit({ removeUsers: ['nobody'] })).resolves.toBeUndefined()
  await groupOf(laptop).proposeCommit({ removeUsers: ['bob'] })
  await expectError(groupOf(laptop).proposeCommit({}), 'E2E_COMMIT_PENDING')
  await expectError(
    groupOf(laptop).proposeCommit({ removeDevices: [{ user: 'alice', device: laptop.device.id }] }),
    'E2E_COMMIT_PENDING',
  )
  groupOf(laptop).discard()
  await expectError(
    groupOf(laptop).proposeCommit({ removeDevices: [{ user: 'alice', device: laptop.device.id }] }),
    'E2E_COMMIT_INVALID',
  )
  expect(() => groupOf(bob).confirm()).toThrow(
    expect.objectContaining({ code: 'E2E_NO_COMMIT_PENDING' }),
  )
})

test('group state survives a restart mid-conversation, a pending Commit included', async () => {
  const { hub, laptop, phone, bob } = await roomOfThree()
  await say(hub, laptop, 'one')
  const two = await say(hub, bob, 'two')
  await catchUp(hub, phone)
  const pending = await groupOf(laptop).proposeCommit({ removeUsers: ['bob'] })

  // Every device saves its group and stops; then starts again from its store alone.
  for (const d of [laptop, phone, bob]) await d.store.saveGroup('room', groupOf(d).encode())
  const restart = async (d: TestDevice) => {
    const trust = new DeviceTrust({
      store: d.store,
      directory: hub.directory,
      self: { user: d.user, device: d.device },
    })
    d.ctx = { user: d.user, device: d.device, trust }
    d.trust = trust
    // Through JSON, as a file or IndexedDB gives it back.
    d.group = RoomGroup.decode(d.ctx, JSON.parse(JSON.stringify(await d.store.loadGroup('room'))))
  }
  for (const d of [laptop, phone, bob]) await restart(d)

  expect(groupOf(laptop).pending?.commit).toEqual(pending?.commit)
  // Keys used before the restart stay used: bob's "two" cannot be decrypted again.
  await expect(groupOf(phone).process(hub.log[two - 1]!.data)).rejects.toMatchObject({
    code: 'E2E_CANNOT_DECRYPT',
    details: expect.objectContaining({ reason: 'replayed' }),
  })

  expect(textsOf(await catchUp(hub, laptop))).toEqual(['two'])
  // The hub took the Commit; the laptop learns it from the room's log (its ack was lost in the restart).
  const seq = hub.commit(laptop, groupOf(laptop).pending!)
  expect(await groupOf(laptop).process(hub.log[Number(seq) - 1]!.data)).toMatchObject({
    kind: 'commit',
    removed: [{ user: 'bob' }],
  })
  expect(groupOf(laptop).pending).toBeUndefined()
  laptop.cursor = Number(seq)
  // "two" was decrypted while the Commit was pending: its key stays used up in the new epoch too.
  await expect(groupOf(laptop).process(hub.log[two - 1]!.data)).rejects.toMatchObject({
    details: expect.objectContaining({ reason: 'replayed' }),
  })

  await say(hub, laptop, 'three')
  expect(textsOf(await catchUp(hub, phone))).toEqual(['three'])
  await say(hub, phone, 'four')
  expect(textsOf(await catchUp(hub, laptop))).toEqual(['four'])
})
