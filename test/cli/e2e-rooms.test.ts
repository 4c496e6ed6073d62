// End-to-end encrypted rooms from the command line, as whole processes against a running hub: a
// room created with `create --e2e` on alice's CLI home (her device), bob invited before he had a
// device and added once he has one, `send` and `history` working as in any room while the hub
// stores only ciphertext, `devices` listing this home's device, and the device store's mode.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { MessageView } from '#core/protocol/messages'
import { writePng } from '#plugins/stego/image-io'
import { credentialsHome, errorCode, json, runCli, startCli, tempDir } from '#test/helpers/run-cli'
import { photoLike } from '#test/plugins/stego/fixtures'
import { startHub, type TestHub } from '#test/helpers/start-hub'

let hub: TestHub
let alice: Record<string, string>
let bob: Record<string, string>

beforeAll(async () => {
  hub = await startHub()
  alice = credentialsHome(hub.url, 'alice', hub.token('alice'))
  bob = credentialsHome(hub.url, 'bob', hub.token('bob'))
})
afterAll(() => hub.close())

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })

test('create --e2e, invite, join, send and history: plaintext only on the devices', { timeout: 120_000 }, async () => {
  const created = await runCli(['create', 'secret', '--e2e', '--private', '--json'], { env: alice })
  expect(created.code, created.stderr).toBe(0)
  expect(json(created)).toMatchObject({ room: 'secret', private: true, e2e: { suite: 1 } })

  // Bob has no device yet: the invitation stands, his device is added once it exists.
  const invited = await runCli(['invite', 'secret', 'bob'], { env: alice })
  expect(invited.code, invited.stderr).toBe(0)
  const joined = await runCli(['join', 'secret'], { env: bob })
  expect(joined.code, joined.stderr).toBe(0)

  const sent = await runCli(['send', '--room', 'secret', 'the plan is on', '--json'], { env: alice })
  expect(sent.code, sent.stderr).toBe(0)
  const seq = (json(sent) as { seq: number }).seq

  const reply = await runCli(['send', '--room', 'secret', '--reply-to', String(seq), 'bring snacks'], { env: bob })
  expect(reply.code, reply.stderr).toBe(0)

  for (const home of [alice, bob]) {
    const history = await runCli(['history', '--room', 'secret', '--json'], { env: home })
    expect(history.code, history.stderr).toBe(0)
    const texts = (json(history) as { messages: MessageView[] }).messages.map((m) => [m.from, m.text])
    expect(texts).toEqual([
      ['alice', 'the plan is on'],
      ['bob', 'bring snacks'],
    ])
  }
  const shown = await runCli(['history', '--room', 'secret'], { env: bob })
  expect(shown.stdout).toContain('the plan is on')

  // The hub's files: no plaintext anywhere (database, WAL, logs).
  for (const file of filesUnder(hub.dataDir)) {
    const bytes = readFileSync(file)
    for (const secret of ['the plan is on', 'bring snacks']) expect(bytes.includes(Buffer.from(secret)), `${secret} in ${file}`).toBe(false)
  }

  // The device store: beside the credentials, readable by its owner only.
  const store = filesUnder(join(alice.CHATHUB_HOME!, 'e2e'))
  expect(store).toHaveLength(1)
  expect(statSync(store[0]!).mode & 0o777).toBe(0o600)
  expect(readFileSync(store[0]!, 'utf8')).toContain('the plan is on')
})

test('chat in an E2E room: lines from others come decrypted, typed lines go encrypted', { timeout: 90_000 }, async () => {
  const chat = startCli(['chat', '--room', 'secret'], { env: bob, timeoutMs: 80_000 })
  await chat.waitFor(/online: /, 30_000)
  expect(chat.stdout()).toMatch(/alice: the plan is on$/m)
  const sent = await runCli(['send', '--room', 'secret', 'seen live'], { env: alice })
  expect(sent.code, sent.stderr).toBe(0)
  await chat.waitFor(/^#\d+ \d\d:\d\d alice: seen live$/m)
  // A typed line is not printed again (it is on the screen already); alice's device reads it.
  chat.write('typed in chat\n')
  const done = await chat.end()
  expect(done.code, done.stderr).toBe(0)
  const history = await runCli(['history', '--room', 'secret', '--json'], { env: alice })
  expect((json(history) as { messages: MessageView[] }).messages.map((m) => m.text)).toContain('typed in chat')
})

test('an image with a hidden message in an E2E room: encrypted on the way, revealed and downloaded on the device', { timeout: 120_000 }, async () => {
  const dir = tempDir()
  writeFileSync(join(dir, 'harbour.png'), await writePng(photoLike({ width: 160, height: 120, seed: 7 })))
  const env = { ...alice, STEGO_PASS: 'correct horse battery' }
  const sent = await runCli(
    ['send', '--room', 'secret', '--image', join(dir, 'harbour.png'), '--hide', 'meet at the lighthouse', '--passphrase-env', 'STEGO_PASS', '--json', 'a postcard'],
    { env },
  )
  expect(sent.code, sent.stderr).toBe(0)
  const result = json<{ seq: number; attachment: { id: string; name: string; mime: string; size: number } }>(sent)
  expect(result.attachment).toMatchObject({ name: 'harbour.png', mime: 'image/png' })

  const revealed = await runCli(['reveal', '--room', 'secret', '--message', String(result.seq), '--passphrase-env', 'STEGO_PASS', '--json'], {
    env: { ...bob, STEGO_PASS: 'correct horse battery' },
  })
  expect(revealed.code, revealed.stderr).toBe(0)
  expect(json(revealed)).toMatchObject({ kind: 'text', text: 'meet at the lighthouse' })

  const out = join(dir, 'got.png')
  const downloaded = await runCli(['download', '--room', 'secret', '--message', String(result.seq), '--out', out], { env: bob })
  expect(downloaded.code, downloaded.stderr).toBe(0)
  const got = readFileSync(out)
  expect(got.length).toBe(result.attachment.size)
  expect(got.subarray(1, 4).toString('latin1')).toBe('PNG')

  // The hub's copy of the file is not the PNG, and nothing of the message is in its files.
  const stored = filesUnder(hub.dataDir).map((f) => readFileSync(f))
  expect(stored.some((bytes) => bytes.includes(got.subarray(0, 64)))).toBe(false)
  for (const bytes of stored) for (const secret of ['a postcard', 'meet at the lighthouse', 'harbour']) expect(bytes.includes(Buffer.from(secret))).toBe(false)
})

test('devices lists this home as the first device; vouch and remove refuse what is not yours', { timeout: 60_000 }, async () => {
  const listed = await runCli(['devices', '--json'], { env: alice })
  expect(listed.code, listed.stderr).toBe(0)
  const devices = json(listed) as { device: string; current: boolean; status: string; fingerprint: string }[]
  expect(devices).toHaveLength(1)
  expect(devices[0]).toMatchObject({ current: true, status: 'first_use', first: true })
  expect(devices[0]!.fingerprint).toMatch(/^([0-9a-f]{4} ){7}[0-9a-f]{4}$/)

  const text = await runCli(['devices'], { env: alice })
  expect(text.stdout).toContain('(this device)')

  const [vouch, remove] = await Promise.all([
    runCli(['devices', 'vouch', 'no-such-device-0000', '--json'], { env: alice }),
    runCli(['devices', 'remove', 'no-such-device-0000', '--json'], { env: alice }),
  ])
  expect(errorCode(vouch)).toBe('CHATHUB_E2E_DEVICE_NOT_FOUND')
  expect(errorCode(remove)).toBe('CHATHUB_E2E_DEVICE_NOT_FOUND')
})

test('a clear room works as before with the end-to-end session attached', { timeout: 60_000 }, async () => {
  const made = await runCli(['create', 'open', '--json'], { env: alice })
  expect(made.code, made.stderr).toBe(0)
  expect(json(made)).not.toHaveProperty('e2e')
  const sent = await runCli(['send', '--room', 'open', 'plain words'], { env: alice })
  expect(sent.code, sent.stderr).toBe(0)
  const history = await runCli(['history', '--room', 'open', '--json'], { env: alice })
  expect((json(history) as { messages: MessageView[] }).messages.at(-1)?.text).toBe('plain words')
})
