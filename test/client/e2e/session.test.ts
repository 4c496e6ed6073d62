// E2E rooms through the SDK with real devices on a real hub: a room created on a device, an
// invitation that adds the invitee's devices, messages that go round decrypted (and as ciphertext
// only on the hub), history from the device's own log, two Commits racing for one epoch, a kicked
// member removed from the group before anyone may send again, and sends that wait for that.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import type { ChatClient } from '#core/client/sdk'
import { E2eSession } from '#core/client/e2e/session'
import { MemoryDeviceStore } from '#core/client/e2e/store'
import type { EventOf } from '#core/protocol/messages'
import { startHub, type TestHub } from '#test/helpers/start-hub'

let h: TestHub

interface Person {
  client: ChatClient
  session: E2eSession
  store: MemoryDeviceStore
}

const people: Person[] = []

/** A user on a device of their own (a fresh in-memory store), registered with KeyPackages published. */
const person = async (name: string, store = new MemoryDeviceStore()): Promise<Person> => {
  const client = await h.connect(name)
  const session = await E2eSession.attach(client, { deviceName: `${name}'s laptop`, store })
  await session.enable()
  const p = { client, session, store }
  people.push(p)
  return p
}

/** The next decrypted message in `room` with `text`, as the client emits it. */
const received = (p: Person, room: string, text: string) =>
  p.client.next('message', (m) => m.room === room && m.text === text)

beforeAll(async () => {
  h = await startHub()
})
afterAll(async () => {
  for (const p of people) await p.client.close()
  await h.close()
})

describe('end-to-end encrypted rooms through the SDK', () => {
  let alice: Person
  let bob: Person

  beforeAll(async () => {
    alice = await person('alice')
    bob = await person('bob')
  })

  test('a room made on a device; an invitation adds the invitee; messages go round decrypted', async () => {
    const created = await alice.client.create('plans', { e2e: true, private: true })
    expect(created.e2e?.epoch).toBe(0)
    await alice.client.invite('plans', 'bob')
    const welcome = bob.client.next('welcome', (w) => w.room === 'plans')
    await welcome
    await bob.client.join('plans')

    const atBob = received(bob, 'plans', 'the plan is on')
    const sent = await alice.client.say('plans', 'the plan is on')
    const got = await atBob
    expect(got.seq).toBe(sent.seq)
    expect(got.from).toBe('alice')
    expect(got.e2e?.device).toBeDefined()
    expect(got.mls).toBeUndefined()

    const atAlice = received(alice, 'plans', 'noted, bring snacks')
    await bob.client.say('plans', 'noted, bring snacks', { replyTo: sent.seq })
    expect((await atAlice).replyTo).toBe(sent.seq)

    // History is the device's own log: both see both messages; the hub's copy is ciphertext.
    for (const p of [alice, bob]) {
      const page = await p.client.history('plans')
      expect(page.messages.map((m) => m.text)).toEqual(['the plan is on', 'noted, bring snacks'])
    }
    const hubPage = await alice.client.request('history', { room: 'plans' })
    const texts = hubPage.messages.map((m) => m.text)
    expect(texts.every((t) => t === null)).toBe(true)
    expect(hubPage.messages.map((m) => m.mls?.kind)).toEqual(expect.arrayContaining(['commit', 'application']))
  })

  test('edits, deletes and reactions travel encrypted; others may not change your messages', async () => {
    const sent = await alice.client.say('plans', 'meet at 6')
    await received(bob, 'plans', 'meet at 6')

    const edited = bob.client.next('edited', (e) => e.room === 'plans' && e.seq === sent.seq)
    await alice.client.edit('plans', sent.seq, 'meet at 7')
    expect((await edited).text).toBe('meet at 7')

    const reacted = alice.client.next('reaction', (e) => e.room === 'plans' && e.seq === sent.seq)
    expect(await bob.client.react('plans', sent.seq, '👍')).toMatchObject({ changed: true })
    expect(await reacted).toMatchObject({ emoji: '👍', user: 'bob', added: true })
    expect(await bob.client.react('plans', sent.seq, '👍')).toMatchObject({ changed: false })

    await expect(bob.client.edit('plans', sent.seq, 'meet never')).rejects.toMatchObject({ code: 'CHATHUB_FORBIDDEN' })
    await expect(bob.client.delete('plans', 999)).rejects.toMatchObject({ code: 'CHATHUB_MESSAGE_NOT_FOUND' })

    const deleted = bob.client.next('deleted', (e) => e.room === 'plans' && e.seq === sent.seq)
    await alice.client.delete('plans', sent.seq)
    await deleted
    // Both logs agree; the hub dropped the deleted message's ciphertext.
    for (const p of [alice, bob]) {
      const page = await p.client.history('plans')
      const shown = page.messages.find((m) => m.seq === sent.seq)
      expect(shown).toMatchObject({ text: null })
      expect(shown?.deletedAt).toBeDefined()
    }
    const onHub = (await alice.client.request('history', { room: 'plans' })).messages.find((m) => m.seq === sent.seq)
    expect(onHub?.mls).toBeUndefined()
    expect(onHub?.deletedAt).toBeDefined()
  })

  test('the owner deletes a member\'s message; a member may not delete the owner\'s', async () => {
    const ownerSaid = await alice.client.say('plans', 'owner speaking')
    await received(bob, 'plans', 'owner speaking')
    const bobSaid = await bob.client.say('plans', 'off topic')
    await received(alice, 'plans', 'off topic')
    await expect(bob.client.delete('plans', ownerSaid.seq)).rejects.toMatchObject({ code: 'CHATHUB_FORBIDDEN' })

    const deleted = bob.client.next('deleted', (e) => e.room === 'plans' && e.seq === bobSaid.seq)
    await alice.client.delete('plans', bobSaid.seq)
    expect(await deleted).toMatchObject({ by: 'alice' })
    for (const p of [alice, bob]) {
      const shown = (await p.client.history('plans')).messages.find((m) => m.seq === bobSaid.seq)
      expect(shown).toMatchObject({ text: null })
      expect(shown?.deletedAt).toBeDefined()
      // The owner's message is still there on both devices.
      expect((await p.client.history('plans')).messages.find((m) => m.seq === ownerSaid.seq)?.text).toBe('owner speaking')
    }
    const onHub = (await alice.client.request('history', { room: 'plans' })).messages.find((m) => m.seq === bobSaid.seq)
    expect(onHub?.mls).toBeUndefined()
  })

  test('a file goes encrypted: the hub stores opaque bytes, the members get it back byte for byte', async () => {
    const content = new TextEncoder().encode('FILE-SECRET-CONTENT '.repeat(200))
    const file = await alice.client.upload('plans', content, { name: 'notes.txt' })
    expect(file).toMatchObject({ name: 'notes.txt', mime: 'text/plain; charset=utf-8', size: content.length })
    const atBob = received(bob, 'plans', 'the notes')
    await alice.client.say('plans', 'the notes', { attachments: [file.id] })
    const got = await atBob
    const shared = got.attachments?.[0]
    expect(shared).toMatchObject({ id: file.id, name: 'notes.txt', mime: file.mime, size: content.length })
    expect(Buffer.from(await bob.client.fetchFile(shared!)).equals(Buffer.from(content))).toBe(true)
    // The hub's copy: another size, another name, no plaintext.
    const raw = await bob.client.download(file.id)
    expect(raw.name).toBe('encrypted.bin')
    expect(Buffer.from(raw.bytes).includes(Buffer.from('FILE-SECRET'))).toBe(false)
    // An upload of someone else's, or none, cannot be sent as an encrypted attachment.
    await expect(bob.client.say('plans', 'theirs', { attachments: [file.id] })).rejects.toMatchObject({ code: 'E2E_UNSUPPORTED' })
  })

  test('an image loses its metadata on the device before it is encrypted; its pixels stay byte for byte', async () => {
    const sharp = (await import('sharp')).default
    const { photoLike } = await import('#test/plugins/stego/fixtures')
    const { PNG_METADATA, pngChunkTypes, withPngChunks } = await import('#test/core/attachment-files')
    const raw = Buffer.from(photoLike({ width: 48, height: 32, seed: 3 }).data)
    const pixels = async (bytes: Uint8Array) => (await sharp(bytes).raw().toBuffer())
    const original = withPngChunks(await sharp(raw, { raw: { width: 48, height: 32, channels: 3 } }).png().toBuffer(), PNG_METADATA)
    const file = await alice.client.upload('plans', original, { name: 'holiday.png' })
    const atBob = received(bob, 'plans', 'the picture')
    await alice.client.say('plans', 'the picture', { attachments: [file.id] })
    const got = Buffer.from(await bob.client.fetchFile((await atBob).attachments![0]!))
    for (const meta of ['tEXt', 'tIME', 'eXIf']) expect(pngChunkTypes(got)).not.toContain(meta)
    expect(got.toString('latin1')).not.toContain('51.5007N')
    expect((await pixels(got)).equals(await pixels(original))).toBe(true)
    // A damaged image is refused before anything is uploaded.
    await expect(alice.client.upload('plans', original.subarray(0, 60), { name: 'cut.png' })).rejects.toMatchObject({
      code: 'CHATHUB_ATTACHMENT_IMAGE_INVALID',
    })
  })

  test('the hub refuses plaintext in an E2E room: a client without a session gets CHATHUB_E2E_ROOM_ENCRYPTED', async () => {
    const plain = await h.connect('alice')
    await expect(plain.request('say', { room: 'plans', text: 'in clear', txn: 't1' })).rejects.toMatchObject({
      code: 'CHATHUB_E2E_ROOM_ENCRYPTED',
    })
    await plain.close()
  })

  test('two members commit for the same epoch: one wins, the other catches up, nobody forks', async () => {
    const carol = await person('carol')
    const dave = await person('dave')
    await alice.client.create('race', { e2e: true })
    await alice.client.invite('race', 'bob')
    await bob.client.join('race')
    // The hub's invitations only (no group change yet), then both members add one each, at once.
    await alice.client.request('invite', { room: 'race', user: 'carol' })
    await alice.client.request('invite', { room: 'race', user: 'dave' })
    const epoch = (await alice.client.request('groupinfo', { room: 'race' })).epoch
    await Promise.all([alice.session.addUser('race', 'carol'), bob.session.addUser('race', 'dave')])
    // Two Commits were needed, whichever won first: the loser rebuilt its own on the next epoch.
    expect((await alice.client.request('groupinfo', { room: 'race' })).epoch).toBe(epoch + 2)
    await carol.client.join('race')
    await dave.client.join('race')
    const everyone = [alice, bob, carol, dave]
    const line = 'all four of us'
    const waits = [bob, carol, dave].map((p) => received(p, 'race', line))
    await alice.client.say('race', line)
    for (const got of await Promise.all(waits)) expect(got.text).toBe(line)
    const epochs = await Promise.all(everyone.map(async (p) => (await p.store.loadGroup('race')) !== undefined))
    expect(epochs).toEqual([true, true, true, true])
  })

  test('a kicked member is removed from the group before anyone can send; they cannot read what follows', async () => {
    const erin = await person('erin')
    await alice.client.create('council', { e2e: true, private: true })
    await alice.client.invite('council', 'bob')
    await alice.client.invite('council', 'erin')
    await bob.client.join('council')
    await erin.client.join('council')
    const first = received(erin, 'council', 'before the kick')
    await alice.client.say('council', 'before the kick')
    await first

    const erinSaw: EventOf<'message'>[] = []
    erin.client.on('message', (m: EventOf<'message'>) => {
      if (m.room === 'council') erinSaw.push(m)
    })
    await alice.client.kick('council', 'erin')
    // Alice's session commits the removal (the hub asked with e2e.remove), then sends.
    const atBob = received(bob, 'council', 'after the kick')
    await alice.client.say('council', 'after the kick')
    await atBob
    expect(erinSaw.some((m) => m.text === 'after the kick')).toBe(false)
    // Even with the ciphertext in hand, erin's device cannot decrypt it.
    const page = await alice.client.request('history', { room: 'council' })
    const secret = page.messages.at(-1)!
    expect(secret.mls?.kind).toBe('application')
    const group = await erin.store.loadGroup('council')
    if (group) {
      const { loadMlsCrypto } = await import('#core/client/e2e/mls-crypto')
      const crypto = await loadMlsCrypto({ user: 'erin', deviceName: 'x', store: erin.store, directory: async () => [] })
      const erinGroup = crypto.loadGroup(group)
      const { fromBase64 } = await import('#core/protocol/e2e')
      await expect(erinGroup.process(fromBase64(secret.mls!.data))).rejects.toMatchObject({ code: 'E2E_CANNOT_DECRYPT' })
    }
  })

  test('a second device is added to your rooms only once a trusted device vouched for it', async () => {
    await alice.client.create('devices', { e2e: true, private: true })
    await alice.client.invite('devices', 'bob')
    await bob.client.join('devices')
    // Alice's laptop is her first device; her phone registers without a vouch.
    const phone = await person('alice', new MemoryDeviceStore())
    await phone.client.join('devices')
    const phoneId = (await phone.store.loadDevice())!.id
    const before = await alice.client.request('groupinfo', { room: 'devices' })
    const sentinel = await alice.client.say('devices', 'not for the phone yet')
    await received(bob, 'devices', 'not for the phone yet')
    expect((await alice.client.request('groupinfo', { room: 'devices' })).epoch).toBe(before.epoch)

    // The laptop vouches: members' devices hear of it and add the phone (one Commit wins).
    const { Device } = await import('#core/client/e2e/device')
    const { fromBase64 } = await import('#core/protocol/e2e')
    const laptop = Device.fromJSON(await alice.store.loadDevice())
    const { devices } = await alice.client.request('devices', { user: 'alice' })
    const key = devices.find((d) => d.device === phoneId)!.key
    const welcome = phone.client.next('welcome', (w) => w.room === 'devices')
    const vouch = await laptop.vouchFor('alice', phoneId, fromBase64(key))
    await alice.client.request('vouch', { device: phoneId, by: vouch.by, signature: vouch.signature })
    await welcome
    await phone.client.join('devices')
    const atPhone = received(phone, 'devices', 'now the phone too')
    await bob.client.say('devices', 'now the phone too')
    expect((await atPhone).from).toBe('bob')
    // What was sent before it was added stays unreadable there, and says why.
    const page = await phone.client.history('devices')
    expect(page.messages.find((m) => m.seq === sentinel.seq)?.text ?? null).toBeNull()
    await phone.client.close()
  })

  test('removing one of your devices takes out that device only: your others read on', async () => {
    await alice.client.create('one-device', { e2e: true, private: true })
    await alice.client.invite('one-device', 'bob')
    await bob.client.join('one-device')
    const tablet = await person('alice', new MemoryDeviceStore())
    const tabletId = (await tablet.store.loadDevice())!.id
    const { Device } = await import('#core/client/e2e/device')
    const { fromBase64 } = await import('#core/protocol/e2e')
    const laptop = Device.fromJSON(await alice.store.loadDevice())
    const { devices } = await alice.client.request('devices', { user: 'alice' })
    const vouch = await laptop.vouchFor('alice', tabletId, fromBase64(devices.find((d) => d.device === tabletId)!.key))
    await alice.client.request('vouch', { device: tabletId, by: vouch.by, signature: vouch.signature })
    await tablet.client.join('one-device')
    // Until the tablet is in the group (a Welcome may come first for another of alice's devices:
    // the hub hands a user's Welcomes to all their devices), read on.
    await vi.waitFor(async () => expect(await tablet.store.loadGroup('one-device')).toBeDefined(), { timeout: 20_000, interval: 50 })
    const both = [received(alice, 'one-device', 'to both of yours'), received(tablet, 'one-device', 'to both of yours')]
    await bob.client.say('one-device', 'to both of yours')
    await Promise.all(both)

    // The laptop removes the tablet; bob's next message is for the laptop, not the tablet.
    await alice.client.request('device.remove', { device: tabletId })
    const atLaptop = received(alice, 'one-device', 'after the tablet')
    const sent = await bob.client.say('one-device', 'after the tablet')
    expect((await atLaptop).seq).toBe(sent.seq)
    const { messages } = await bob.client.request('history', { room: 'one-device' })
    const removal = messages.filter((m) => m.mls?.kind === 'commit').at(-1)
    expect(removal?.mls?.removed).toEqual(['alice'])
    // No Welcome brought the laptop back: it stayed in the group all along.
    expect(messages.filter((m) => m.mls?.kind === 'commit' && m.seq > removal!.seq)).toEqual([])
    await tablet.client.close()
  })

  test('a device the hub slips in without a vouch is never added to a group', async () => {
    // What a malicious hub would do: a device of bob's account that none of bob's devices vouched for.
    const rogue = await person('bob', new MemoryDeviceStore())
    const rogueId = (await rogue.store.loadDevice())!.id
    await alice.client.create('guarded', { e2e: true, private: true })
    await alice.client.invite('guarded', 'bob')
    await alice.session.addUser('guarded', 'bob')
    const { loadMlsCrypto } = await import('#core/client/e2e/mls-crypto')
    const crypto = await loadMlsCrypto({ user: 'alice', deviceName: 'x', store: alice.store, directory: async () => [] })
    const group = crypto.loadGroup((await alice.store.loadGroup('guarded'))!)
    const members = group.members().map((m) => `${m.user}/${m.device}`)
    expect(members).toContain(`bob/${(await bob.store.loadDevice())!.id}`)
    expect(members).not.toContain(`bob/${rogueId}`)
    await rogue.client.close()
  })

  test('the data directory holds none of the plaintexts', async () => {
    await h.hub.db.$client.pragma('wal_checkpoint(TRUNCATE)')
    const secrets = ['the plan is on', 'noted, bring snacks', 'all four of us', 'before the kick', 'after the kick', 'meet at 6', 'meet at 7', '👍', 'not for the phone yet', 'now the phone too', 'FILE-SECRET-CONTENT', 'the notes']
    const files: string[] = []
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name)
        if (statSync(path).isDirectory()) walk(path)
        else files.push(path)
      }
    }
    walk(h.dataDir)
    expect(files.length).toBeGreaterThan(0)
    for (const file of files) {
      const bytes = readFileSync(file)
      for (const secret of secrets) expect(bytes.includes(Buffer.from(secret)), `${secret} in ${file}`).toBe(false)
    }
    const logs = JSON.stringify(h.logs)
    for (const secret of secrets) expect(logs.includes(secret)).toBe(false)
  })
})
