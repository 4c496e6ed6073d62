// Search with an E2E session: the hub never indexes E2E rooms (it has only ciphertext), so the SDK's
// search asks the hub for clear rooms and the device for E2E ones (its decrypted log), and merges
// them newest first, each hit saying where it came from; `room` picks one place; pages go on with the
// merged cursor without losing or repeating a hit; the device matches as the hub's index does.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ChatClient } from '#core/client/sdk'
import { E2eSession } from '#core/client/e2e/session'
import { MemoryDeviceStore } from '#core/client/e2e/store'
import type { SearchHit } from '#core/protocol/messages'
import { startHub, type TestHub } from '#test/helpers/start-hub'

let h: TestHub

interface Person {
  client: ChatClient
  session: E2eSession
}

const person = async (name: string): Promise<Person> => {
  const client = await h.connect(name)
  const session = await E2eSession.attach(client, {
    deviceName: `${name}'s laptop`,
    store: new MemoryDeviceStore(),
  })
  await session.enable()
  return { client, session }
}

const received = (p: Person, room: string, text: string) =>
  p.client.next('message', (m) => m.room === room && m.text === text)

const where = (hits: SearchHit[]) =>
  hits.map((hit) => [hit.message.room, hit.message.text, hit.source])

/** What parity compares: texts found, in the order found. */
const TEXTS = [
  'the deploy failed on staging',
  'Déploiement OK, deploy done after lunch',
  'deployment window is friday',
  'e-mail the Αθήνα team about the café',
  'Noël party, bring ß-words',
  `${Array.from({ length: 30 }, (_, i) => `filler${i}`).join(' ')} the needle sits here, ${Array.from({ length: 20 }, (_, i) => `tail${i}`).join(' ')}`,
  `needle first ${Array.from({ length: 30 }, (_, i) => `more${i}`).join(' ')} and needle again near the end`,
  `Intro words go here and on. ${Array.from({ length: 12 }, (_, i) => `mid${i}`).join(' ')}. Next: the haystack holds one needle and a pin, then ${Array.from({ length: 12 }, (_, i) => `end${i}`).join(' ')}.`,
  `pin pin pin ${Array.from({ length: 20 }, (_, i) => `x${i}`).join(' ')} haystack pin (the end)`,
]
const QUERIES = [
  'deploy',
  'DEPLOY done',
  'deplo*',
  '"failed on"',
  'deploy -staging',
  'friday OR lunch',
  'deploiement',
  'cafe',
  'αθηνα',
  'Αθήνα',
  'e-mail',
  'noel',
  'ss',
  'ß',
  'bring wo*',
  'ß*',
  '🎉',
  'needle',
  'needle again',
  'sits',
  'tail19',
  'haystack pin',
  'pin',
  '"haystack holds" OR x3',
  'mid5 end11',
  'intro',
]

let alice: Person
let bob: Person
let dm = ''

beforeAll(async () => {
  h = await startHub()
  alice = await person('alice')
  bob = await person('bob')
  // An E2E room with both, a clear room, an E2E direct conversation.
  await alice.client.create('plans', { e2e: true, private: true })
  await alice.client.invite('plans', 'bob')
  await bob.client.next('welcome', (w) => w.room === 'plans')
  await bob.client.join('plans')
  await alice.client.create('general')
  await bob.client.join('general')
  dm = (await alice.client.openDirect('bob', { e2e: true })).room

  const say = async (from: Person, room: string, text: string) => {
    const other = from === alice ? bob : alice
    const seen = received(other, room, text)
    await from.client.say(room, text)
    await seen
  }
  await say(alice, 'general', 'deploy failed on staging, in clear')
  await say(alice, 'plans', 'the encrypted deploy is friday')
  await say(bob, 'plans', 'deploy plan approved by bob')
  await say(bob, dm, 'a deploy secret between us')
  await say(alice, 'general', 'second clear deploy note')
  const gone = await alice.client.say('plans', 'deploy this then delete it')
  await received(bob, 'plans', 'deploy this then delete it')
  const deleted = bob.client.next('deleted', (e) => e.room === 'plans' && e.seq === gone.seq)
  await alice.client.delete('plans', gone.seq)
  await deleted
})
afterAll(() => h.close())

describe('search with an E2E session', () => {
  test('E2E rooms are found on the device, clear rooms at the hub, newest first, marked', async () => {
    const page = await alice.client.search('deploy')
    expect(page.more).toBe(false)
    expect(where(page.results).sort()).toEqual(
      [
        ['general', 'deploy failed on staging, in clear', 'hub'],
        ['general', 'second clear deploy note', 'hub'],
        ['plans', 'the encrypted deploy is friday', 'device'],
        ['plans', 'deploy plan approved by bob', 'device'],
        [dm, 'a deploy secret between us', 'device'],
      ].sort(),
    )
    const times = page.results.map((hit) => hit.message.ts)
    expect(times).toEqual([...times].sort((a, b) => b - a))
    const device = page.results.find((hit) => hit.source === 'device')!
    expect(device.snippet.slice(...device.marks[0]!)).toBe('deploy')

    // The hub's own search knows nothing of the E2E rooms.
    const atHub = await alice.client.request('search', { q: 'deploy' })
    expect(atHub.results.map((hit) => hit.message.room)).toEqual(['general', 'general'])
    // bob's device decrypted the same messages: it finds them too.
    expect(where((await bob.client.search('approved')).results)).toEqual([
      ['plans', 'deploy plan approved by bob', 'device'],
    ])
  })

  test('room and from pick what is searched', async () => {
    expect(where((await alice.client.search('deploy', { room: 'plans' })).results)).toEqual([
      ['plans', 'deploy plan approved by bob', 'device'],
      ['plans', 'the encrypted deploy is friday', 'device'],
    ])
    expect(where((await alice.client.search('deploy', { room: 'general' })).results)).toEqual([
      ['general', 'second clear deploy note', 'hub'],
      ['general', 'deploy failed on staging, in clear', 'hub'],
    ])
    expect(where((await alice.client.search('deploy', { from: 'bob' })).results).sort()).toEqual(
      [
        ['plans', 'deploy plan approved by bob', 'device'],
        [dm, 'a deploy secret between us', 'device'],
      ].sort(),
    )
    // The hub's errors for bad queries, from the device too (an E2E room alone).
    await expect(alice.client.search('-deploy', { room: 'plans' })).rejects.toMatchObject({
      code: 'CHATHUB_SEARCH_QUERY_INVALID',
    })
    await expect(
      alice.client.search('deploy', { room: 'plans', cursor: 'm,zz' }),
    ).rejects.toMatchObject({
      code: 'CHATHUB_SEARCH_CURSOR_INVALID',
    })
  })

  test('pages follow each other with the merged cursor, every hit once', async () => {
    const all = (await alice.client.search('deploy')).results.map(
      (hit) => `${hit.message.room}#${hit.message.seq}`,
    )
    const seen: string[] = []
    let cursor: string | undefined
    for (let page = 0; page < 10; page++) {
      const got = await alice.client.search('deploy', { limit: 1, ...(cursor ? { cursor } : {}) })
      expect(got.results.length).toBeLessThanOrEqual(2)
      seen.push(...got.results.map((hit) => `${hit.message.room}#${hit.message.seq}`))
      if (!got.more) break
      cursor = got.cursor
    }
    expect(seen.sort()).toEqual([...all].sort())
  })

  test('a client without a session searches the hub alone; hits say so', async () => {
    const plain = await h.connect('alice')
    const page = await plain.search('deploy')
    expect(where(page.results)).toEqual([
      ['general', 'second clear deploy note', 'hub'],
      ['general', 'deploy failed on staging, in clear', 'hub'],
    ])
  })

  test('the device matches as the hub does: the same texts, the same queries, the same hits', async () => {
    await alice.client.create('parity-clear')
    await alice.client.create('parity-e2e', { e2e: true })
    for (const text of TEXTS) {
      await alice.client.say('parity-clear', text)
      await alice.client.say('parity-e2e', text)
    }
    // What a search gives, or the code it is refused with.
    const outcome = (room: string, q: string) =>
      alice.client.search(q, { room }).then(
        (page) => page.results.map((hit) => [hit.message.text, hit.snippet, hit.marks]),
        (err: { code?: string }) => err.code,
      )
    for (const q of QUERIES)
      expect(await outcome('parity-e2e', q), q).toEqual(await outcome('parity-clear', q))
  })
})
