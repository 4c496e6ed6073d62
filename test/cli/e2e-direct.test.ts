// End-to-end encrypted direct messages from the command line, as whole processes: on a hub with
// e2e.directMessages, `chathub dm` starts an E2E conversation on the sender's device and it works
// both ways, `history --dm` and `chat --dm` read and write it, the hub's files hold no plaintext;
// a peer without a device is added by the other side's next command once they have one. On a hub
// without the switch, `dm --e2e` starts one, and refuses to write in clear to a clear one.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { MessageView } from '#core/protocol/messages'
import { credentialsHome, errorCode, json, runCli, startCli } from '#test/helpers/run-cli'
import { startHub, type TestHub } from '#test/helpers/start-hub'

let hub: TestHub
let home: Record<string, Record<string, string>>

beforeAll(async () => {
  hub = await startHub({ e2e: { directMessages: true } })
  home = Object.fromEntries(
    ['alice', 'bob', 'carol'].map((u) => [u, credentialsHome(hub.url, u, hub.token(u))]),
  )
})
afterAll(() => hub.close())

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })

const texts = async (user: string, peer: string) => {
  const history = await runCli(['history', '--dm', peer, '--json'], { env: home[user] })
  expect(history.code, history.stderr).toBe(0)
  return (json(history) as { messages: MessageView[] }).messages.map((m) => [m.from, m.text])
}

test(
  'dm starts an end-to-end encrypted conversation; it works both ways; the hub keeps ciphertext',
  { timeout: 120_000 },
  async () => {
    // bob's CLI home has a device (any E2E command registers it; `devices` does).
    expect((await runCli(['devices'], { env: home.bob })).code).toBe(0)

    const first = await runCli(['dm', 'bob', 'the', 'secret', 'plan'], { env: home.alice })
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toContain('started an end-to-end encrypted conversation with bob')
    expect(first.stdout).toMatch(/sent #\d+ to bob/)

    const reply = await runCli(['dm', 'alice', 'understood, burn after reading', '--json'], {
      env: home.bob,
    })
    expect(reply.code, reply.stderr).toBe(0)
    expect(json(reply)).toMatchObject({
      user: 'alice',
      e2e: true,
      created: false,
      duplicate: false,
    })

    for (const [user, peer] of [
      ['alice', 'bob'],
      ['bob', 'alice'],
    ] as const) {
      expect(await texts(user, peer)).toEqual([
        ['alice', 'the secret plan'],
        ['bob', 'understood, burn after reading'],
      ])
    }
    for (const file of filesUnder(hub.dataDir)) {
      const bytes = readFileSync(file)
      for (const secret of ['the secret plan', 'burn after reading'])
        expect(bytes.includes(Buffer.from(secret)), `${secret} in ${file}`).toBe(false)
    }
  },
)

test(
  'chat --dm in an E2E conversation: lines come decrypted, typed lines go encrypted',
  { timeout: 90_000 },
  async () => {
    const chat = startCli(['chat', '--dm', 'alice'], { env: home.bob, timeoutMs: 80_000 })
    await chat.waitFor(/online: /, 30_000)
    expect(chat.stdout()).toMatch(/alice: the secret plan$/m)
    const sent = await runCli(['dm', 'bob', 'seen live'], { env: home.alice })
    expect(sent.code, sent.stderr).toBe(0)
    await chat.waitFor(/^#\d+ \d\d:\d\d alice: seen live$/m)
    chat.write('typed in chat\n')
    const done = await chat.end()
    expect(done.code, done.stderr).toBe(0)
    expect((await texts('alice', 'bob')).at(-1)).toEqual(['bob', 'typed in chat'])
  },
)

test(
  'a peer without a device is added by the next command of the other side',
  { timeout: 120_000 },
  async () => {
    const sent = await runCli(['dm', 'carol', 'hello carol', '--json'], { env: home.alice })
    expect(sent.code, sent.stderr).toBe(0)
    expect(json(sent)).toMatchObject({ e2e: true, created: true })

    // carol's home registers its device now, but nobody online has added it to the group yet.
    const early = await runCli(['dm', 'alice', 'hi', '--json'], { env: home.carol })
    expect(errorCode(early)).toBe('E2E_NOT_IN_GROUP')
    // alice's next command in the conversation adds carol's device.
    await texts('alice', 'carol')
    const later = await runCli(['dm', 'alice', 'hi again'], { env: home.carol })
    expect(later.code, later.stderr).toBe(0)
    expect(await texts('alice', 'carol')).toEqual([
      ['alice', 'hello carol'],
      ['carol', 'hi again'],
    ])
  },
)

test(
  'on a hub without the switch, dm --e2e starts one and never writes in clear to a clear one',
  { timeout: 120_000 },
  async () => {
    const other = await startHub()
    try {
      const env = credentialsHome(other.url, 'dave', other.token('dave'))
      other.token('erin')
      other.token('frank')
      const clear = await runCli(['dm', 'erin', 'in clear', '--json'], { env })
      expect(clear.code, clear.stderr).toBe(0)
      expect(json(clear)).toMatchObject({ e2e: false, created: true })
      const refused = await runCli(['dm', 'erin', 'secret', '--e2e', '--json'], { env })
      expect(errorCode(refused)).toBe('CHATHUB_DIRECT_NOT_E2E')
      const secret = await runCli(['dm', 'frank', 'secret', '--e2e', '--json'], { env })
      expect(secret.code, secret.stderr).toBe(0)
      expect(json(secret)).toMatchObject({ e2e: true, created: true })
      const rows = other.hub.db.$client.prepare('SELECT text FROM messages ORDER BY id').all() as {
        text: string | null
      }[]
      expect(rows.map((r) => r.text)).toEqual(['in clear', null])
    } finally {
      await other.close()
    }
  },
)
