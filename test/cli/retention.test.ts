// Retention from the command line, as an admin runs it beside a running hub: `room set --retention`
// (with its bad values), `room list`/`room info` showing it, `retention sweep [--dry-run] --json`, and
// `user remove` keeping or (--erase) deleting the account's messages. Run on the built CLI.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { listAudit } from '#core/audit/audit-log'
import type { HubEvent } from '#core/messages/events'
import { DAY_MS } from '#core/retention/policy'
import { errorCode, json, runCli, tempDir } from '#test/helpers/run-cli'
import { startHub, type TestHub } from '#test/helpers/start-hub'


let hub: TestHub | undefined
afterEach(async () => {
  await new Promise((resolve) => setTimeout(resolve, 20))
  await hub?.close()
  hub = undefined
})

/** A running hub on a fresh data dir, and the CLI on that data dir. */
const start = async () => {
  const dataDir = tempDir('chathub-retention-cli-')
  const h = (hub = await startHub({ retention: { sweepIntervalSeconds: 0 } }, { dataDir }))
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCli([...args, '--data-dir', dataDir], { env })
  const sqlite = h.hub.db.$client
  const age = (room: string, days: number) =>
    sqlite
      .prepare(
        'UPDATE messages SET created_at = created_at - ? WHERE room_id = (SELECT id FROM rooms WHERE name = ?)',
      )
      .run(days * DAY_MS, room)
  const texts = (room: string) =>
    sqlite
      .prepare<[string], { seq: number; text: string | null; sender: string }>(
        `SELECT m.seq, m.text, u.name AS sender FROM messages m JOIN users u ON u.id = m.sender_id
         WHERE m.room_id = (SELECT id FROM rooms WHERE name = ?) ORDER BY m.seq`,
      )
      .all(room)
  return { h, cli, dataDir, age, texts }
}

test(
  'room set --retention: days, forever and default; bad values refused with their code; shown by room list and info',
  { timeout: 120_000 },
  async () => {
    const { h, cli } = await start()
    const alice = await h.connect('alice')
    h.token('bob')
    await alice.create('general')
    await alice.create('legal')
    const { room: dm } = await alice.openDirect('bob')

    const days = await cli(['room', 'set', 'general', '--retention', '30d', '--json'])
    expect(days.code, days.stderr).toBe(0)
    expect(json(days)).toMatchObject({ name: 'general', retentionDays: 30, retention: '30 days' })
    const bare = await cli(['room', 'set', 'legal', '--retention', '90'])
    expect(bare.stdout).toBe('legal: public, no topic, retention 90 days\n')
    const kept = await cli(['room', 'set', 'legal', '--retention', 'forever', '--json'])
    expect(json(kept)).toMatchObject({ retentionDays: 0, retention: 'forever' })

    const bad = await Promise.all(
      ['soon', '0', '-5', '40000', '30 days', ''].map((v) =>
        cli(['room', 'set', 'general', '--retention', v, '--json']),
      ),
    )
    for (const r of bad) expect([r.code, errorCode(r)]).toEqual([1, 'CHATHUB_RETENTION_INVALID'])
    const text = await cli(['room', 'set', 'general', '--retention', 'soon'])
    expect(text.code).toBe(1)
    expect(text.stderr).toContain('"soon" is not a retention')
    expect(text.stderr).toContain('CHATHUB_RETENTION_INVALID')
    const [direct, missing] = await Promise.all([
      cli(['room', 'set', dm, '--retention', '7', '--json']),
      cli(['room', 'set', 'nope', '--retention', '7', '--json']),
    ])
    expect(errorCode(direct)).toBe('CHATHUB_DIRECT_ROOM_FIXED')
    expect(errorCode(missing)).toBe('CHATHUB_ROOM_NOT_FOUND')

    const [list, listText, info, infoDefault] = await Promise.all([
      cli(['room', 'list', '--json']),
      cli(['room', 'list']),
      cli(['room', 'info', 'general']),
      cli(['room', 'info', dm, '--json'], { CHATHUB_RETENTION_DAYS: '365' }),
    ])
    expect(
      json<{ name: string; retentionDays: number | null }[]>(list).map((r) => [
        r.name,
        r.retentionDays,
      ]),
    ).toEqual([
      [dm, null],
      ['general', 30],
      ['legal', 0],
    ])
    expect(listText.stdout).toMatch(
      /^general\s+public\s+1 member\s+0 messages {2}\[retention 30 days\]$/m,
    )
    expect(listText.stdout).toMatch(
      /^legal\s+public\s+1 member\s+0 messages {2}\[retention forever\]$/m,
    )
    expect(info.stdout).toContain('retention: 30 days\n')
    expect(json(infoDefault)).toMatchObject({
      retentionDays: null,
      retention: 'hub default (365 days)',
    })

    // Back to the hub's default; each change is audited with the days (null: the default).
    const reset = await cli(['room', 'set', 'general', '--retention', 'default'])
    expect(reset.stdout).toBe('general: public, no topic, retention hub default (forever)\n')
    expect(
      listAudit(h.hub.db)
        .filter((r) => r.action === 'room.changed')
        .map((r) => [r.target, r.detail]),
    ).toEqual([
      ['general', { retentionDays: 30 }],
      ['legal', { retentionDays: 90 }],
      ['legal', { retentionDays: 0 }],
      ['general', { retentionDays: null }],
    ])
  },
)

test(
  'retention sweep: --dry-run counts, a sweep deletes beside the running hub, audited as data-dir',
  { timeout: 120_000 },
  async () => {
    const { h, cli, age, texts } = await start()
    const alice = await h.connect('alice')
    await alice.create('general')
    await alice.create('ops')
    const file = await alice.upload('general', Buffer.from('an old file\n'))
    await alice.say('general', 'old with a file', { attachments: [file.id] })
    for (const text of ['old two', 'old three']) await alice.say('general', text)
    for (const text of ['ops one', 'ops two']) await alice.say('ops', text)
    age('general', 40)
    age('ops', 40)
    await alice.say('general', 'new')

    const nothing = await cli(['retention', 'sweep'])
    expect(nothing.stdout).toMatch(/^nothing to delete: every room keeps its messages forever/)
    expect((await cli(['room', 'set', 'general', '--retention', '30d'])).code).toBe(0)

    const dry = await cli(['retention', 'sweep', '--dry-run', '--json'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(json(dry)).toMatchObject({
      dryRun: true,
      checked: 1,
      messages: 3,
      attachments: 1,
      rooms: [{ room: 'general', days: 30, messages: 3, attachments: 1 }],
      files: 0,
    })
    expect(texts('general')).toHaveLength(4)

    const swept = new Promise<HubEvent>((resolve) =>
      h.hub.events.subscribe((e) => {
        if (e.type === 'room' && e.change === 'swept') resolve(e)
      }),
    )
    const run = await cli(['retention', 'sweep', '--json'])
    expect(run.code, run.stderr).toBe(0)
    expect(json(run)).toMatchObject({
      dryRun: false,
      messages: 3,
      attachments: 1,
      complete: true,
      files: 1,
      bytesFreed: 12,
    })
    expect(texts('general').map((m) => m.text)).toEqual(['new'])
    expect(readdirSync(join(h.dataDir, 'attachments', 'tmp'))).toEqual([])
    // The running hub learns it through the change feed (its bridges drop what they hold).
    expect(await swept).toMatchObject({ room: 'general', change: 'swept' })
    expect((await alice.history('general')).messages.map((m) => m.text)).toEqual(['new'])
    expect(listAudit(h.hub.db).filter((r) => r.action === 'retention.swept')).toEqual([
      expect.objectContaining({
        actor: 'data-dir',
        detail: expect.objectContaining({ messages: 3, attachments: 1 }),
      }),
    ])

    // The hub's default from the environment reaches ops; the text output names each room.
    const text = await cli(['retention', 'sweep'], { CHATHUB_RETENTION_DAYS: '7' })
    expect(text.stdout).toBe(
      'deleted 2 messages and 0 attachments in 1 room:\n  ops  2 messages older than 7 days\n',
    )
    expect(texts('ops')).toEqual([{ seq: 2, text: null, sender: '~deleted' }])
    const again = await cli(['retention', 'sweep'], { CHATHUB_RETENTION_DAYS: '7' })
    expect(again.stdout).toBe(
      "nothing to delete: no message is past its room's retention (2 rooms with one)\n",
    )
  },
)

test(
  'user remove keeps the messages anonymised; --erase deletes them with their files',
  { timeout: 120_000 },
  async () => {
    const { h, cli, texts } = await start()
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    const carol = await h.connect('carol')
    await alice.create('general')
    await bob.join('general')
    await carol.join('general')
    await bob.say('general', 'bob says hi')
    const file = await carol.upload('general', Buffer.from("carol's photo\n"))
    await carol.say('general', 'carol says hi', { attachments: [file.id] })
    await carol.say('general', 'carol again')
    await alice.say('general', 'alice last')

    const kept = await cli(['user', 'remove', 'bob'])
    expect(kept.code, kept.stderr).toBe(0)
    expect(kept.stdout).toBe(
      'removed bob; their 1 message stays, shown as from ~deleted (--erase deletes them)\n',
    )
    expect(await bob.closed(5000)).toBe(4002)

    const erased = await cli(['user', 'remove', 'carol', '--erase', '--json'])
    expect(erased.code, erased.stderr).toBe(0)
    expect(json(erased)).toEqual({
      name: 'carol',
      removed: true,
      erased: true,
      messages: 2,
      rooms: { general: 2 },
      attachments: 1,
      bytesFreed: 14,
    })
    expect(texts('general')).toEqual([
      { seq: 1, text: 'bob says hi', sender: '~deleted' },
      { seq: 4, text: 'alice last', sender: 'alice' },
    ])
    await expect(alice.download(file.id)).rejects.toMatchObject({
      code: 'CHATHUB_ATTACHMENT_NOT_FOUND',
    })
    expect(
      listAudit(h.hub.db)
        .filter((r) => r.action.startsWith('user.'))
        .map((r) => [r.action, r.target, r.detail]),
    ).toEqual([
      ['user.removed', 'bob', { messages: 1, erased: false }],
      ['user.erased', 'carol', { messages: 2, attachments: 1, rooms: { general: 2 } }],
      ['user.removed', 'carol', { messages: 2, erased: true }],
    ])

    const [ghost, gone] = await Promise.all([
      cli(['user', 'remove', '~deleted', '--json']),
      cli(['user', 'remove', 'carol', '--erase', '--json']),
    ])
    expect([ghost.code, errorCode(ghost)]).toEqual([1, 'CHATHUB_USER_RESERVED'])
    expect([gone.code, errorCode(gone)]).toEqual([1, 'CHATHUB_USER_NOT_FOUND'])
  },
)
