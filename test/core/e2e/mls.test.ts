// MLS messages through the hub, made by real ts-mls devices: a Commit with a Welcome adds an invited
// user's device (the `welcome` event, the device and join acks), application messages go round (the
// `message` event with `mls` and text null, history, resume), two Commits for one epoch from two
// connections (exactly one wins), stale epochs, a pending removal after a kick holding application
// messages back until a Commit removes the member, encrypted deletes, retries by txn, GroupInfo.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ChatClient } from '#core/client/sdk'
import { AdminService } from '#core/admin/admin-service'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { refusal } from '../support.ts'
import { bindDevice, keyPackage, Member, newDevice, sendMls, type TestDevice } from './mls-kit.ts'

let h: TestHub
let alice: ChatClient
let bob: ChatClient
let aliceDev: TestDevice
let bobDev: TestDevice
let a: Member
let b: Member
let group = ''

beforeAll(async () => {
  h = await startHub()
  alice = await h.connect('alice')
  bob = await h.connect('bob')
  aliceDev = await newDevice('alice', 'alice-laptop')
  bobDev = await newDevice('bob', 'bob-laptop')
  await bindDevice(alice, aliceDev)
  await bindDevice(bob, bobDev)
  const created = await alice.request('create', { room: 'sec', e2e: true, private: true })
  group = created.e2e?.group ?? ''
  a = await Member.create(aliceDev, group)
  await alice.join('sec')
})
afterAll(() => h.close())

/** Add `user`'s device `d` (KeyPackage published, claimed, committed with a Welcome) by `by`. */
const add = async (
  by: Member,
  byClient: ChatClient,
  user: string,
  d: TestDevice,
  options: { publicMessage?: boolean } = {},
) => {
  const kp = await keyPackage(d)
  const owner = await h.connect(user)
  await bindDevice(owner, d)
  await owner.request('keypackages', { packages: [kp.b64] })
  await byClient.request('invite', { room: 'sec', user })
  const claimed = await byClient.request('claim', { room: 'sec', user })
  const commit = await by.commit({
    add: claimed.packages.map((p) => p.data),
    publicMessage: options.publicMessage,
  })
  const ack = await sendMls(byClient, 'sec', commit.data, {
    groupInfo: commit.groupInfo,
    welcome: commit.welcome,
    to: [user],
  })
  by.state = commit.newState
  return { ack, kp, owner, commit }
}

describe('MLS in an E2E room', () => {
  test('a Commit adds an invited device: its Welcome as an event, in the device ack and in the join ack', async () => {
    const { ack, kp, commit } = await add(a, alice, 'bob', bobDev, { publicMessage: true })
    expect(ack).toMatchObject({ room: 'sec', epoch: 1, duplicate: false })
    const welcome = await bob.next('welcome')
    expect(welcome).toEqual({ type: 'welcome', room: 'sec', seq: ack.seq, data: commit.welcome })
    b = await Member.join(bobDev, welcome.data, kp)
    expect(b.epoch).toBe(1)

    // A new connection of the device gets it in the device ack, and in the join ack of the room.
    const later = await h.connect('bob')
    const bound = await bindDevice(later, bobDev)
    expect(bound.welcomes).toEqual([{ room: 'sec', seq: ack.seq, data: commit.welcome }])
    const joined = await later.request('join', { room: 'sec' })
    expect(joined.e2e).toMatchObject({
      suite: 1,
      group,
      epoch: 1,
      welcome: { room: 'sec', seq: ack.seq, data: commit.welcome },
    })
    await bob.join('sec')
    // The Commit is in the room's history with what the hub saw of it.
    const history = await alice.request('history', { room: 'sec' })
    expect(history.messages.at(-1)).toMatchObject({
      seq: ack.seq,
      text: null,
      mls: { kind: 'commit', epoch: 0, device: 'alice-laptop', added: ['bob'] },
    })
  })

  test('application messages go round: the event has mls and no text; history and resume carry it', async () => {
    const sent = await sendMls(alice, 'sec', await a.encrypt('hello bob'), { txn: 'hello-1' })
    expect(sent).toMatchObject({ room: 'sec', epoch: 1, duplicate: false })
    const event = await bob.next('message', (m) => m.seq === sent.seq)
    expect(event).toMatchObject({
      room: 'sec',
      from: 'alice',
      text: null,
      txn: 'hello-1',
      mls: { kind: 'application', epoch: 1, device: 'alice-laptop' },
    })
    expect(await b.process(event.mls?.data ?? '')).toBe('hello bob')

    const reply = await sendMls(bob, 'sec', await b.encrypt('hi alice'))
    const back = await alice.next('message', (m) => m.seq === reply.seq)
    expect(await a.process(back.mls?.data ?? '')).toBe('hi alice')
    // bob has sent at the Welcome's epoch: it has joined with it, and the Welcome is gone.
    expect((await bindDevice(await h.connect('bob'), bobDev)).welcomes).toEqual([])

    const page = await bob.request('history', { room: 'sec' })
    expect(page.messages.slice(-2).map((m) => [m.text, m.mls?.kind, m.mls?.data])).toEqual([
      [null, 'application', event.mls?.data],
      [null, 'application', back.mls?.data],
    ])
    // A client resuming from before them gets both, with their MLS messages.
    const resumer = await ChatClient.connect(h.url, h.token('alice'))
    try {
      const replayed = await resumer.resume('sec', sent.seq - 1)
      expect(replayed.map((m) => [m.seq, m.mls?.data])).toEqual([
        [sent.seq, event.mls?.data],
        [reply.seq, back.mls?.data],
      ])
    } finally {
      await resumer.close()
    }
    // Unread counts work as for any message (mentions stay 0).
    const listed = (await bob.request('rooms', {})).rooms.find((r) => r.name === 'sec')
    expect(listed).toMatchObject({ e2e: { epoch: 1 }, mentions: 0 })
    expect(listed?.unread).toBeGreaterThan(0)
  })

  test('a retry with the same txn is stored once', async () => {
    const data = await a.encrypt('once')
    const first = await sendMls(alice, 'sec', data, { txn: 'retry-1' })
    const again = await sendMls(alice, 'sec', data, { txn: 'retry-1' })
    expect(again).toEqual({ ...first, ref: again.ref, duplicate: true })
    await b.process((await bob.next('message', (m) => m.seq === first.seq)).mls?.data ?? '')
  })

  test('a retried Commit gets its first ack again after it moved the epoch on; a retried delete too', async () => {
    const epoch = a.epoch
    const commit = await a.commit()
    const first = await sendMls(alice, 'sec', commit.data, { groupInfo: commit.groupInfo, txn: 'commit-retry' })
    a.state = commit.newState
    const again = await sendMls(alice, 'sec', commit.data, { groupInfo: commit.groupInfo, txn: 'commit-retry' })
    expect(first).toMatchObject({ epoch: epoch + 1, duplicate: false })
    expect(again).toEqual({ ...first, ref: again.ref, duplicate: true })
    await b.process((await bob.next('message', (m) => m.seq === first.seq)).mls?.data ?? '')
    // An encrypted delete, sent twice: the second finds its target gone but is the same message.
    const said = await sendMls(alice, 'sec', await a.encrypt('to delete'))
    const del = await a.encrypt('delete')
    const deleted = await sendMls(alice, 'sec', del, { deletes: said.seq, txn: 'delete-retry' })
    const deletedAgain = await sendMls(alice, 'sec', del, { deletes: said.seq, txn: 'delete-retry' })
    expect(deletedAgain).toEqual({ ...deleted, ref: deletedAgain.ref, duplicate: true })
    // The same data under a new txn is a new message, and the target is gone: refused.
    expect((await refusal(sendMls(alice, 'sec', del, { deletes: said.seq, txn: 'delete-new' }))).code).toBe(
      'CHATHUB_MESSAGE_NOT_FOUND',
    )
    for (const seq of [said.seq, deleted.seq]) await b.process((await bob.next('message', (m) => m.seq === seq)).mls?.data ?? '')
  })

  test('two Commits for one epoch from two connections: exactly one wins, the other is stale and rebases', async () => {
    const epoch = a.epoch
    const [fromAlice, fromBob] = await Promise.all([a.commit(), b.commit({ publicMessage: true })])
    const results = await Promise.allSettled([
      sendMls(alice, 'sec', fromAlice.data, { groupInfo: fromAlice.groupInfo }),
      sendMls(bob, 'sec', fromBob.data, { groupInfo: fromBob.groupInfo }),
    ])
    const won = results.filter((r) => r.status === 'fulfilled')
    const lost = results.filter((r) => r.status === 'rejected')
    expect(won).toHaveLength(1)
    expect(lost).toHaveLength(1)
    expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({
      code: 'CHATHUB_E2E_STALE_EPOCH',
    })
    expect((won[0] as PromiseFulfilledResult<{ epoch: number }>).value.epoch).toBe(epoch + 1)
    // The error frame says where the room is.
    const loser = results[0]?.status === 'rejected' ? alice : bob
    expect(await loser.next('error', (e) => e.code === 'CHATHUB_E2E_STALE_EPOCH')).toMatchObject({
      epoch: epoch + 1,
    })

    // Both apply the winning Commit from the room; the loser's is dropped.
    const winnerSeq = (won[0] as PromiseFulfilledResult<{ seq: number }>).value.seq
    const aliceWon = results[0]?.status === 'fulfilled'
    if (aliceWon) a.state = fromAlice.newState
    else b.state = fromBob.newState
    const commitEvent = await (aliceWon ? bob : alice).next('message', (m) => m.seq === winnerSeq)
    await (aliceWon ? b : a).process(commitEvent.mls?.data ?? '')
    await (aliceWon ? alice : bob).next('message', (m) => m.seq === winnerSeq)
    expect([a.epoch, b.epoch]).toEqual([epoch + 1, epoch + 1])
    expect((await alice.request('groupinfo', { room: 'sec' })).epoch).toBe(epoch + 1)

    // Both send on in the new epoch.
    const msg = await sendMls(bob, 'sec', await b.encrypt('after the race'))
    expect(
      await a.process((await alice.next('message', (m) => m.seq === msg.seq)).mls?.data ?? ''),
    ).toBe('after the race')
  })

  test('two Commits for one epoch read by the hub in the same event-loop turn: still exactly one wins', async () => {
    const epoch = a.epoch
    const [fromAlice, fromBob] = await Promise.all([a.commit({ publicMessage: true }), b.commit()])
    // Observed, not changed: how many writes wait for the pipeline's commit as each frame is handled.
    const queued: number[] = []
    const send = h.hub.e2e.send.bind(h.hub.e2e)
    h.hub.e2e.send = (...args) => {
      queued.push(h.hub.pipeline.queued)
      send(...args)
    }
    const sent = [
      sendMls(alice, 'sec', fromAlice.data, { groupInfo: fromAlice.groupInfo }),
      sendMls(bob, 'sec', fromBob.data, { groupInfo: fromBob.groupInfo }),
    ]
    // The hub runs in this process: holding the thread lets both frames reach its sockets before it
    // reads either, so both are dispatched in one turn, before the pipeline commits anything.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150)
    const results = await Promise.allSettled(sent)
    h.hub.e2e.send = send
    // The second was handled while the first still waited for its commit: the same turn.
    expect(queued).toEqual([0, 1])
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    expect(lost.reason).toMatchObject({ code: 'CHATHUB_E2E_STALE_EPOCH' })
    const won = results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{
      seq: number
      epoch: number
    }>
    expect(won.value.epoch).toBe(epoch + 1)
    const aliceWon = results[0]?.status === 'fulfilled'
    if (aliceWon) a.state = fromAlice.newState
    else b.state = fromBob.newState
    await (aliceWon ? b : a).process(
      (await (aliceWon ? bob : alice).next('message', (m) => m.seq === won.value.seq)).mls?.data ??
        '',
    )
    await (aliceWon ? alice : bob).next('message', (m) => m.seq === won.value.seq)
    // Only the winner is in the room: the loser left no row behind.
    const commits = (await alice.request('history', { room: 'sec' })).messages.filter(
      (m) => m.mls?.kind === 'commit' && m.mls.epoch === epoch,
    )
    expect(commits.map((m) => m.seq)).toEqual([won.value.seq])
    expect(await alice.request('groupinfo', { room: 'sec' })).toMatchObject({ epoch: epoch + 1 })
  })

  test('a message for an old epoch is stale; GroupInfo is what the last Commit brought', async () => {
    const old = new Member(aliceDev, a.state)
    const commit = await a.commit()
    const ack = await sendMls(alice, 'sec', commit.data, { groupInfo: commit.groupInfo })
    a.state = commit.newState
    await b.process((await bob.next('message', (m) => m.seq === ack.seq)).mls?.data ?? '')
    const stale = await refusal(sendMls(alice, 'sec', await old.encrypt('too late')))
    expect(stale.code).toBe('CHATHUB_E2E_STALE_EPOCH')
    // A Commit for the old epoch too.
    const oldCommit = await old.commit()
    expect(
      (await refusal(sendMls(alice, 'sec', oldCommit.data, { groupInfo: oldCommit.groupInfo })))
        .code,
    ).toBe('CHATHUB_E2E_STALE_EPOCH')
    expect(await bob.request('groupinfo', { room: 'sec' })).toEqual(
      expect.objectContaining({ room: 'sec', epoch: a.epoch, groupInfo: commit.groupInfo }),
    )
  })

  test('after a kick, application messages wait until a Commit removes the member', async () => {
    const carolDev = await newDevice('carol', 'carol-laptop')
    const { ack, kp, owner: carol } = await add(a, alice, 'carol', carolDev)
    await b.process((await bob.next('message', (m) => m.seq === ack.seq)).mls?.data ?? '')
    const c = await Member.join(carolDev, (await carol.next('welcome')).data, kp)
    await carol.join('sec')
    const hi = await sendMls(carol, 'sec', await c.encrypt('hi from carol'))
    await a.process((await alice.next('message', (m) => m.seq === hi.seq)).mls?.data ?? '')
    await b.process((await bob.next('message', (m) => m.seq === hi.seq)).mls?.data ?? '')

    await alice.request('kick', { room: 'sec', user: 'carol' })
    expect(await bob.next('e2e.remove')).toEqual({
      type: 'e2e.remove',
      room: 'sec',
      users: ['carol'],
    })
    expect(await alice.next('e2e.remove')).toMatchObject({ users: ['carol'] })
    // Nobody encrypts for carol now; proposals and Commits still go.
    expect((await refusal(sendMls(bob, 'sec', await b.encrypt('not for carol')))).code).toBe(
      'CHATHUB_E2E_REMOVAL_PENDING',
    )
    // carol is no member any more: nothing she sends is taken.
    expect((await refusal(sendMls(carol, 'sec', await c.encrypt('still here?')))).code).toBe(
      'CHATHUB_ROOM_NOT_FOUND',
    )
    // A device binding on a new connection, and a join, hear of the pending removal.
    const fresh = await h.connect('bob')
    await bindDevice(fresh, bobDev)
    expect(await fresh.next('e2e.remove')).toEqual({
      type: 'e2e.remove',
      room: 'sec',
      users: ['carol'],
    })
    await fresh.request('join', { room: 'sec' })
    expect(await fresh.next('e2e.remove')).toMatchObject({ room: 'sec', users: ['carol'] })

    // bob's Commit removes carol's leaf.
    const removal = await b.commit({ remove: ['carol'] })
    const removed = await sendMls(bob, 'sec', removal.data, {
      groupInfo: removal.groupInfo,
      removed: ['carol'],
    })
    b.state = removal.newState
    await a.process((await alice.next('message', (m) => m.seq === removed.seq)).mls?.data ?? '')
    const after = await sendMls(bob, 'sec', await b.encrypt('carol cannot read this'))
    expect(
      await a.process((await alice.next('message', (m) => m.seq === after.seq)).mls?.data ?? ''),
    ).toBe('carol cannot read this')
    // carol, with every message of the room, cannot read what came after her removal.
    let read: string | undefined
    try {
      await c.process(removal.data)
    } catch {
      // Her leaf is gone: processing the Commit may fail outright.
    }
    try {
      read = await c.process(
        (await alice.request('history', { room: 'sec' })).messages.at(-1)?.mls?.data ?? '',
      )
    } catch {
      read = undefined
    }
    expect(read).toBeUndefined()
  })

  test('an encrypted delete drops the ciphertext: own messages, or others’ only as a moderator', async () => {
    const target = await sendMls(alice, 'sec', await a.encrypt('regret'))
    await b.process((await bob.next('message', (m) => m.seq === target.seq)).mls?.data ?? '')
    expect(
      (await refusal(sendMls(bob, 'sec', await b.encrypt('delete it'), { deletes: target.seq })))
        .code,
    ).toBe('CHATHUB_FORBIDDEN')
    // bob's refused message moved his sending ratchet, which is fine: the next one still decrypts.
    const del = await sendMls(alice, 'sec', await a.encrypt('delete 1'), { deletes: target.seq })
    const deleted = await bob.next('deleted', (d) => d.seq === target.seq)
    expect(deleted).toMatchObject({ room: 'sec', seq: target.seq, by: 'alice' })
    await b.process((await bob.next('message', (m) => m.seq === del.seq)).mls?.data ?? '')
    const page = await bob.request('history', { room: 'sec' })
    const gone = page.messages.find((m) => m.seq === target.seq)
    expect(gone?.deletedAt).toBeDefined()
    expect(gone?.mls).toBeUndefined()
    // A Commit is not deletable; nor is the message again.
    expect(
      (await refusal(sendMls(alice, 'sec', await a.encrypt('again'), { deletes: target.seq })))
        .code,
    ).toBe('CHATHUB_MESSAGE_NOT_FOUND')
  })

  test('a member’s device change is told to the followers of the E2E rooms they share', async () => {
    const phone = await newDevice('bob', 'bob-phone01')
    await bindDevice(await h.connect('bob'), phone)
    expect(await alice.next('devices', (e) => e.user === 'bob')).toEqual({
      type: 'devices',
      user: 'bob',
    })
    await bob.request('device.rename', { device: 'bob-phone01', name: 'old phone' })
    expect(await alice.next('devices', (e) => e.user === 'bob')).toEqual({
      type: 'devices',
      user: 'bob',
    })
    // Removing it puts bob's leaves up for removal (his other device is re-added by the committer).
    await bob.request('device.remove', { device: 'bob-phone01' })
    expect(await alice.next('e2e.remove', (e) => e.users.includes('bob'))).toMatchObject({
      room: 'sec',
      users: ['bob'],
    })
    expect(await alice.next('devices', (e) => e.user === 'bob')).toEqual({
      type: 'devices',
      user: 'bob',
    })
    const removal = await a.commit()
    const done = await sendMls(alice, 'sec', removal.data, {
      groupInfo: removal.groupInfo,
      removed: ['bob'],
    })
    a.state = removal.newState
    await b.process((await bob.next('message', (m) => m.seq === done.seq)).mls?.data ?? '')
    const go = await sendMls(bob, 'sec', await b.encrypt('still here'))
    expect(
      await a.process((await alice.next('message', (m) => m.seq === go.seq)).mls?.data ?? ''),
    ).toBe('still here')
  })

  test('a removed account waits for removal too (admin CLI through the change feed)', async () => {
    const zedDev = await newDevice('zed', 'zed-laptop1')
    const { ack } = await add(a, alice, 'zed', zedDev)
    await b.process((await bob.next('message', (m) => m.seq === ack.seq)).mls?.data ?? '')
    // zed was invited and added, never joined: removing the account queues the removal of its leaves.
    await new AdminService(h.hub.db).removeUser('zed')
    expect(await bob.next('e2e.remove', (e) => e.users.includes('zed'))).toMatchObject({
      room: 'sec',
      users: ['zed'],
    })
    expect((await refusal(sendMls(alice, 'sec', await a.encrypt('wait')))).code).toBe(
      'CHATHUB_E2E_REMOVAL_PENDING',
    )
    const removal = await a.commit({ remove: ['zed'] })
    const done = await sendMls(alice, 'sec', removal.data, {
      groupInfo: removal.groupInfo,
      removed: ['zed'],
    })
    a.state = removal.newState
    await b.process((await bob.next('message', (m) => m.seq === done.seq)).mls?.data ?? '')
    const go = await sendMls(alice, 'sec', await a.encrypt('go on'))
    expect(
      await b.process((await bob.next('message', (m) => m.seq === go.seq)).mls?.data ?? ''),
    ).toBe('go on')
  })
})
