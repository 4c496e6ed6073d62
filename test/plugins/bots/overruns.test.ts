// A member cannot get a bot disabled by sending what makes it run over its CPU budget: such an event
// is skipped and logged, counted apart from the bot's failures, and the member who keeps doing it is
// ignored for a while (BOTS_OVERRUN_COOLDOWN for their commands); everyone else is answered meanwhile.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { BotHarness } from '#plugins/bots/harness'
import { tailLog } from '#plugins/bots/state-files'
import { type BotsHub, startBotsHub, waitFor } from './helpers.ts'

const SPINNER = `export default (bot) => {
  bot.hear(/^spin$/, () => { for (;;) {} })
  bot.hear(/^ping (\\w+)$/, (ctx) => ctx.reply('pong ' + ctx.match[1]))
  bot.command('echo', (ctx) => ctx.raw)
}`

describe('budget overruns triggered by a member', () => {
  let hub: BotsHub
  beforeAll(async () => {
    hub = await startBotsHub({
      // Two failures would disable the bot; a member causes more overruns than that.
      config: { cpuMsPerEvent: 50, maxFailures: 2, overrunsPerUser: 3, overrunWindowMs: 600_000 },
      bots: { spinner: { source: SPINNER } },
    })
    await hub.ready('spinner')
  }, 60_000)
  afterAll(() => hub?.close())

  test('do not disable the bot; the member is ignored for a while; others are still answered', async () => {
    const alice = await hub.connect('alice')
    await alice.join('lobby')
    const bob = await hub.connect('bob')
    await bob.join('lobby')
    await alice.say('lobby', 'ping first')
    await alice.next('message', (f) => f.from === 'spinner' && f.text === 'pong first')

    for (let i = 0; i < 8; i++) await alice.say('lobby', 'spin')
    const ignored = await alice.say('lobby', 'ping alice')
    const asked = await bob.say('lobby', 'ping bob')
    // The sentinel: bob's message comes after all of alice's, and the bot handles them in order.
    const pong = await bob.next(
      'message',
      (f) => f.from === 'spinner' && f.text === 'pong bob',
      20_000,
    )
    expect(pong.replyTo).toBe(asked.seq)

    // The status file is written a moment after the bot host reports.
    const status = await waitFor(
      () => hub.status('spinner')?.overruns === 3 && hub.status('spinner'),
      5000,
      'status',
    )
    expect(status).toMatchObject({ state: 'running', failures: 0, restarts: 0, overruns: 3 })
    expect(status?.lastError).toMatch(/^cpu: .*CPU time/)
    // alice's ping came while she was ignored: no answer to it, ever (it was skipped, not queued).
    const history = (await bob.history('lobby')).messages
    expect(history.filter((m) => m.from === 'spinner').map((m) => m.replyTo)).not.toContain(
      ignored.seq,
    )
    const log = tailLog(hub.dataDir, 'spinner', 50).join('\n')
    expect(log).toMatch(/skipped an event from alice \(cpu\)/)
    expect(log).toMatch(/ignoring alice for \d+ s/)
    expect(log).not.toMatch(/disabled after/)

    // Her commands are refused with a code that says why and when to retry; bob's run.
    await expect(alice.say('lobby', '/echo hi')).rejects.toMatchObject({
      code: 'BOTS_OVERRUN_COOLDOWN',
    })
    const echoed = bob.say('lobby', '/echo hello')
    expect((await bob.next('notice')).text).toBe('hello')
    await echoed
  })
})

test('in a batch, the events before and after the one that overran are answered (harness)', async () => {
  const h = await BotHarness.fromSource(SPINNER, { name: 'spinner', limits: { cpuMsPerEvent: 50 } })
  try {
    // The first message runs alone; the three after it queue meanwhile and go in one batch.
    await Promise.all([
      h.say('ping first', { as: 'bob' }),
      h.say('ping before', { as: 'bob' }),
      h.say('spin', { as: 'alice' }),
      h.say('ping after', { as: 'bob' }),
    ])
    expect(h.answers().map((a) => a.text)).toEqual(['pong first', 'pong before', 'pong after'])
    expect(h.overruns).toEqual([expect.objectContaining({ kind: 'cpu', user: 'alice' })])
    expect(h.faults).toEqual([])
    // The rebuilt isolate answers as before.
    expect((await h.say('ping again', { as: 'alice' }))[0]?.text).toBe('pong again')
  } finally {
    h.close()
  }
})

test('events with nothing to report complete too, in order, whether the batch ends or an event overruns (harness)', async () => {
  const QUIET = `export default (bot) => {
    bot.hear(/^spin$/, () => { for (;;) {} })
    bot.hear(/^ping (\\w+)$/, (ctx) => ctx.reply('pong ' + ctx.match[1]))
    bot.command('noop', () => {})
    bot.command('echo', (ctx) => ctx.raw)
  }`
  const h = await BotHarness.fromSource(QUIET, { name: 'quiet', limits: { cpuMsPerEvent: 50 } })
  try {
    // The prelude sends a result to the host only when it holds something (an answer, an action):
    // a command that answers nothing, in the middle of a batch, must still complete (its caller
    // waits for it), and the answers keep their order. The first command runs alone; the others
    // queue meanwhile and go in one batch.
    await Promise.all([
      h.say('/echo one', { as: 'bob' }),
      h.say('/noop', { as: 'bob' }),
      h.say('/echo two', { as: 'bob' }),
      h.say('/noop', { as: 'bob' }),
      h.say('/echo three', { as: 'bob' }),
    ])
    expect(h.answers().map((a) => a.text)).toEqual(['one', 'two', 'three'])
    // And with an event that overruns in the batch: every quiet one completes, the others are answered.
    await Promise.all([
      h.say('/echo four', { as: 'bob' }),
      h.say('/noop', { as: 'bob' }),
      h.say('/noop', { as: 'bob' }),
      h.say('spin', { as: 'alice' }),
      h.say('ping five', { as: 'bob' }),
    ])
    // (Commands queue after a role lookup, so hears can overtake them: order across the two is free.)
    expect(h.answers().map((a) => a.text).slice(3).sort()).toEqual(['four', 'pong five'])
    expect(h.overruns).toEqual([expect.objectContaining({ kind: 'cpu', user: 'alice' })])
    expect(h.faults).toEqual([])
  } finally {
    h.close()
  }
})
