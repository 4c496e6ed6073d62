// What reaches a bot on a real hub: attachment events (metadata from a real upload, never bytes),
// messages missed while the bot or the bot host was down (replayed once, bounded by replayMissed),
// the TOTP step-up of a sensitive command end to end, and the tokens of the account across a restart
// (the plugin needs none: it acts as the bot in-process).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { issueSession, liveSessionIds } from '#core/auth/session-store'
import { ChatClient } from '#core/client/sdk'
import type { EventOf } from '#core/protocol/messages'
import { findUser } from '#core/users/queries'
import { TOKEN_LABEL } from '#plugins/bots/index'
import { cursorPath, cursorsDir, readStatus, tailLog } from '#plugins/bots/state-files'
import { codeFor } from '#test/plugins/totp/helpers'
import { type BotsHub, startBotsHub, waitFor } from './helpers.ts'

const FILES = `export default (bot) => {
  bot.on('attachment', (ctx) => ctx.reply(JSON.stringify({ event: ctx.event, user: ctx.user, text: ctx.message && ctx.message.text })))
}`

const OPS = `export default (bot) => {
  bot.command('deploy', { help: 'ship it', sensitive: true }, (ctx) => 'shipped ' + ctx.args.join(' '))
}`

const ECHO = `export default (bot) => {
  bot.hear(/^ping (\\d+)$/, (ctx) => ctx.reply('pong ' + ctx.match[1]))
  bot.hear(/^crash$/, () => { throw new Error('crashed on purpose') })
}`

const post = <T>(hub: BotsHub, path: string, token: string, body: unknown = {}) =>
  fetch(new URL(path, hub.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  }).then(async (res) => {
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`)
    return (await res.json()) as T
  })

describe('attachments, TOTP step-up and tokens on a running hub', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chathub-bots-delivery-'))
  const clock = { now: Date.now() }
  const start = () =>
    startBotsHub({
      dataDir,
      now: () => clock.now,
      plugins: { totp: { policy: 'optional', stepUpMinutes: 2 } },
      bots: { files: { source: FILES }, ops: { source: OPS } },
    })
  let hub: BotsHub

  beforeAll(async () => {
    hub = await start()
    await Promise.all([hub.ready('files'), hub.ready('ops')])
  }, 60_000)
  afterAll(async () => {
    await hub?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  test("on('attachment') fires per file of a message uploaded through the SDK, with metadata only", async () => {
    const alice = await hub.connect('alice')
    await alice.join('lobby')
    const png = await sharp({ create: { width: 3, height: 2, channels: 3, background: '#336699' } }).png().toBuffer()
    const image = await alice.upload('lobby', png, { name: 'dot.png' })
    const note = await alice.upload('lobby', Buffer.from('hello, file\n'), { name: 'note.txt', mime: 'text/plain' })
    expect(image).toMatchObject({ mime: 'image/png', width: 3, height: 2 })
    const sent = await alice.say('lobby', 'two files', { attachments: [image.id, note.id] })
    const answers: EventOf<'message'>[] = []
    for (let i = 0; i < 2; i++) answers.push(await alice.next('message', (f) => f.from === 'files'))
    expect(answers.map((a) => a.replyTo)).toEqual([sent.seq, sent.seq])
    const [first, second] = answers.map((a) => JSON.parse(a.text ?? '') as Record<string, unknown>)
    // Exactly these fields: JSON metadata, never the bytes or a host object.
    expect(first).toEqual({
      event: { room: 'lobby', seq: sent.seq, user: 'alice', id: image.id, name: 'dot.png', mime: 'image/png', size: image.size, width: 3, height: 2 },
      user: 'alice',
      text: 'two files',
    })
    expect(second).toEqual({
      event: { room: 'lobby', seq: sent.seq, user: 'alice', id: note.id, name: 'note.txt', mime: note.mime, size: note.size },
      user: 'alice',
      text: 'two files',
    })
    // A message without files fires no attachment event.
    await alice.say('lobby', 'just text')
    await new Promise((r) => setTimeout(r, 300))
    expect(alice.drain().filter((f) => f.type === 'message' && f.from === 'files')).toEqual([])
  })

  test('a sensitive command needs a fresh TOTP step-up: refused, then --code, then the freshness window', async () => {
    const token = hub.token('carol')
    const { uri } = await post<{ uri: string }>(hub, '/plugins/totp/setup', token)
    await post(hub, '/plugins/totp/confirm', token, { code: codeFor(uri, clock.now) })
    clock.now += 3 * 60_000 // past stepUpMinutes (2): the enrolment code is no longer fresh
    const carol = await ChatClient.connect(hub.url, token)
    await carol.join('lobby')
    await expect(carol.say('lobby', '/deploy prod')).rejects.toMatchObject({ code: 'TOTP_STEP_UP_REQUIRED' })
    await expect(carol.say('lobby', '/deploy prod --code 000000')).rejects.toMatchObject({ code: 'TOTP_CODE_INVALID' })
    clock.now += 30_000
    // The code given with the command is the step-up; the bot never sees it.
    await carol.say('lobby', `/deploy prod --code ${codeFor(uri, clock.now)}`)
    expect((await carol.next('notice')).text).toBe('shipped prod')
    clock.now += 60_000 // within the window: no code needed
    await carol.say('lobby', '/deploy prod')
    expect((await carol.next('notice')).text).toBe('shipped prod')
    clock.now += 2 * 60_000 // the window closed again
    await expect(carol.say('lobby', '/deploy prod')).rejects.toMatchObject({ code: 'TOTP_STEP_UP_REQUIRED' })
    await carol.close()
  })

  test("the plugin holds no token; a restart revokes an older version's, a `bot token create` token survives", async () => {
    const db = hub.hub.db
    const files = findUser(db, 'files')
    if (!files) throw new Error('no bot account')
    // The bot host talks to the plugin over IPC: the plugin issued no token for it.
    expect(liveSessionIds(db, files.id, TOKEN_LABEL)).toEqual([])
    // A token an older version of the plugin issued for its bot host, and what
    // `chathub bot token create files --rooms lobby` issues.
    const leftover = issueSession(db, files.id, { ttlMs: null, kind: 'bot', scopes: ['lobby'], label: TOKEN_LABEL })
    const external = issueSession(db, files.id, { ttlMs: null, kind: 'bot', scopes: ['lobby'], label: 'external bot' })
    await hub.close()
    hub = await start()
    await Promise.all([hub.ready('files'), hub.ready('ops')])
    const live = liveSessionIds(hub.hub.db, files.id)
    expect(live).not.toContain(leftover.sessionId)
    expect(liveSessionIds(hub.hub.db, files.id, TOKEN_LABEL)).toEqual([])
    expect(live).toContain(external.sessionId)
    const client = await ChatClient.connect(hub.url, external.token)
    try {
      expect((await client.join('lobby')).room).toBe('lobby')
    } finally {
      await client.close()
    }
  }, 60_000)
})

test('messages missed while the bot host or the bot was down are replayed once, the newest replayMissed', async () => {
  const hub = await startBotsHub({
    bots: { echo: { source: ECHO } },
    // Slow restarts, so the messages below are surely sent while the bot is down.
    config: { replayMissed: 3, restartDelayMs: 600, maxRestartDelayMs: 1000 },
  })
  try {
    await hub.ready('echo')
    const alice = await hub.connect('alice')
    await alice.join('lobby')
    const pongs: string[] = []
    alice.on('message', (f: EventOf<'message'>) => {
      if (f.from === 'echo' && f.text) pongs.push(f.text)
    })
    // The bot host's record of the last message the bot handled in lobby.
    const cursor = () => {
      try {
        return (JSON.parse(readFileSync(cursorPath(cursorsDir(hub.dataDir), 'echo'), 'utf8')) as Record<string, number>).lobby ?? -1
      } catch {
        return -1
      }
    }
    const said = async (text: string) => (await alice.say('lobby', text)).seq
    const pong = (n: number) => waitFor(() => pongs.includes(`pong ${n}`), 10_000, `pong ${n}`)
    /** Kill the bot host, run `whileDown`, wait until a new bot host runs the bot. */
    const killHost = async (whileDown: () => Promise<void>) => {
      const pid = readStatus(hub.dataDir).hostPid
      if (!pid) throw new Error('no bot host pid in status.json')
      process.kill(pid, 'SIGKILL')
      await waitFor(() => hub.status('echo')?.state === 'starting', 5000, 'bot host down')
      await whileDown()
      await waitFor(() => {
        const s = readStatus(hub.dataDir)
        return s.hostPid !== undefined && s.hostPid !== pid && s.bots.echo?.state === 'running'
      }, 15_000, 'new bot host')
    }

    // Joining an empty room records where the bot starts.
    await waitFor(() => cursor() === 0, 5000, 'a first cursor')
    const first = await said('ping 1')
    await pong(1)
    await waitFor(() => cursor() >= first, 5000, 'cursor saved')

    // 1. The bot host dies; two messages arrive while it is down: both answered once it is back.
    await killHost(async () => {
      await said('ping 2')
      await said('ping 3')
    })
    await pong(2)
    await pong(3)
    const last = await said('ping 4')
    await pong(4)
    await waitFor(() => cursor() >= last, 5000, 'cursor saved')

    // 2. Another restart with nothing missed: nothing is answered twice.
    await killHost(async () => undefined)
    const fifth = await said('ping 5')
    await pong(5)
    await waitFor(() => cursor() >= fifth, 5000, 'cursor saved')

    // 3. Five missed messages: only the newest three (replayMissed) are replayed, and the log says so.
    await killHost(async () => {
      for (const n of [6, 7, 8, 9, 10]) await said(`ping ${n}`)
    })
    await pong(10)

    // 4. The bot itself fails (a handler throws) and restarts: what came meanwhile is replayed, the
    //    message it failed on is not (no crash loop).
    await said('crash')
    await waitFor(() => hub.status('echo')?.state === 'starting', 5000, 'bot stopped')
    await said('ping 11')
    await hub.ready('echo')
    await pong(11)
    await said('ping 12')
    await pong(12)
    await new Promise((r) => setTimeout(r, 300))

    expect(pongs).toEqual(['pong 1', 'pong 2', 'pong 3', 'pong 4', 'pong 5', 'pong 8', 'pong 9', 'pong 10', 'pong 11', 'pong 12'])
    expect(hub.status('echo')?.restarts).toBe(1)
    expect(tailLog(hub.dataDir, 'echo', 50).join('\n')).toMatch(/\d messages missed in "lobby" are not replayed/)
  } finally {
    await hub.close()
  }
}, 60_000)
