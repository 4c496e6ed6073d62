// Every admin command that writes the data directory leaves its change-feed row (the rows a running hub
// follows), in the same transaction as the change: a refused command leaves none.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { expect, test } from 'vitest'
import { errorCode, json, runCli, tempDir } from '#test/helpers/run-cli'

const PASSWORD = 'correct horse battery\n'

interface FeedRow {
  kind: string
  userId: number | null
  sessionId: number | null
  roomId: number | null
}

test(
  'each admin write leaves its change_feed row; refused ones leave none',
  { timeout: 180_000 },
  async () => {
    const dataDir = tempDir()
    const configFile = join(dataDir, 'chathub.json')
    writeFileSync(
      configFile,
      JSON.stringify({
        dataDir,
        plugins: { webhooks: { signingSecret: 'a signing secret of 32 characters' } },
      }),
    )
    const cli = (args: string[], input?: string) =>
      runCli([...args, '--config', configFile, '--data-dir', dataDir], { input })

    let seen = 0
    /** Feed rows written since the last call. */
    const newRows = (): FeedRow[] => {
      const db = new Database(join(dataDir, 'chathub.db'), { readonly: true })
      try {
        const rows = db
          .prepare<[number], FeedRow & { id: number }>(
            'SELECT id, kind, user_id AS userId, session_id AS sessionId, room_id AS roomId FROM change_feed WHERE id > ? ORDER BY id',
          )
          .all(seen)
        seen = rows.at(-1)?.id ?? seen
        return rows.map(({ id: _id, ...row }) => row)
      } finally {
        db.close()
      }
    }
    /** Run a command that must succeed; its feed rows. */
    const rowsOf = async (args: string[], input?: string): Promise<FeedRow[]> => {
      const res = await cli(args, input)
      expect(res.code, `${args.join(' ')}: ${res.stdout}${res.stderr}`).toBe(0)
      return newRows()
    }
    /** Run a command that must fail with `code`; it must leave no row. */
    const refused = async (args: string[], code: string, input?: string) => {
      const res = await cli([...args, '--json'], input)
      expect([res.code, errorCode(res)], args.join(' ')).toEqual([1, code])
      expect(newRows(), args.join(' ')).toEqual([])
    }
    const row = (kind: string, ids: Partial<Omit<FeedRow, 'kind'>> = {}) => ({
      kind,
      userId: ids.userId ?? null,
      sessionId: ids.sessionId ?? null,
      roomId: ids.roomId ?? null,
    })

    // Users (ids in order of creation: alice 1, bob 2, the bot 3).
    expect(await rowsOf(['user', 'add', 'alice', '--admin', '--password-stdin'], PASSWORD)).toEqual(
      [row('user.added', { userId: 1 })],
    )
    await refused(['user', 'add', 'alice', '--password-stdin'], 'CHATHUB_USER_EXISTS', PASSWORD)
    await refused(['user', 'add', 'carol', '--password-stdin'], 'CHATHUB_PASSWORD_WEAK', 'short\n')
    expect(
      await rowsOf(['user', 'passwd', 'alice', '--password-stdin'], 'another long password\n'),
    ).toEqual([row('user.password_changed', { userId: 1 })])
    expect(await rowsOf(['user', 'disable', 'alice'])).toEqual([
      row('user.disabled', { userId: 1 }),
    ])
    expect(await rowsOf(['user', 'enable', 'alice'])).toEqual([row('user.enabled', { userId: 1 })])
    await refused(['user', 'disable', 'ghost'], 'CHATHUB_USER_NOT_FOUND')
    expect(await rowsOf(['user', 'add', 'bob', '--password-stdin'], PASSWORD)).toEqual([
      row('user.added', { userId: 2 }),
    ])

    // Rooms.
    expect(await rowsOf(['room', 'create', 'general', '--owner', 'alice'])).toEqual([
      row('room.created', { roomId: 1, userId: 1 }),
    ])
    await refused(['room', 'create', 'general'], 'CHATHUB_ROOM_EXISTS')
    await refused(['room', 'create', 'dm-1-2'], 'CHATHUB_ROOM_NAME_RESERVED')
    expect(
      await rowsOf(['room', 'set', 'general', '--private', '--topic', 'members only']),
    ).toEqual([row('room.changed', { roomId: 1 })])
    await refused(['room', 'set', 'general'], 'CHATHUB_INPUT_INVALID')
    await refused(['room', 'set', 'general', '--topic', 'x'.repeat(257)], 'CHATHUB_INPUT_INVALID')
    await refused(['room', 'set', 'nope', '--public'], 'CHATHUB_ROOM_NOT_FOUND')
    expect(
      await rowsOf(['room', 'member', 'add', 'general', 'bob', '--role', 'moderator']),
    ).toEqual([row('room.changed', { roomId: 1, userId: 2 })])
    await refused(['room', 'member', 'add', 'general', 'ghost'], 'CHATHUB_USER_NOT_FOUND')
    expect(await rowsOf(['room', 'member', 'remove', 'general', 'bob'])).toEqual([
      row('room.changed', { roomId: 1, userId: 2 }),
    ])
    await refused(['room', 'member', 'remove', 'general', 'bob'], 'CHATHUB_ROOM_NOT_MEMBER')

    // Tokens, bridges, a plugin's own tables.
    const token = await rowsOf(['bot', 'token', 'create', 'deploybot', '--rooms', 'general'])
    expect(token).toEqual([
      row('token.issued', { userId: 3, sessionId: expect.any(Number) as number }),
    ])
    await refused(['bot', 'token', 'create', 'alice', '--rooms', 'general'], 'BOTS_NAME_TAKEN')
    const hook = await cli(['webhook', 'create', 'general', '--name', 'ci', '--json'])
    expect(hook.code, hook.stderr).toBe(0)
    expect(newRows()).toEqual([
      row('bridge.linked', { roomId: 1 }),
      row('plugin.webhooks', { roomId: 1 }),
    ])
    expect(await rowsOf(['webhook', 'remove', json<{ id: string }>(hook).id])).toEqual([
      row('bridge.unlinked', { roomId: 1 }),
      row('plugin.webhooks'),
    ])
    await refused(['webhook', 'remove', 'no-such-hook'], 'WEBHOOKS_HOOK_NOT_FOUND')
    const target = 'webhook:https://example.org/hooks/chat'
    expect(await rowsOf(['bridge', 'link', 'general', target])).toEqual([
      row('bridge.linked', { roomId: 1 }),
    ])
    await refused(['bridge', 'link', 'general', target], 'CHATHUB_BRIDGE_LINK_EXISTS')
    expect(await rowsOf(['bridge', 'unlink', 'general', target])).toEqual([
      row('bridge.unlinked', { roomId: 1 }),
    ])
    expect(await rowsOf(['totp', 'reset', 'alice', '--break-glass'])).toEqual([
      row('sessions.revoked', { userId: 1 }),
      row('plugin.totp', { userId: 1 }),
    ])

    // The maintenance sweep changes nothing a hub holds: no row (see AdminService.pruneAttachments).
    expect(await rowsOf(['attachment', 'prune'])).toEqual([])

    expect(await rowsOf(['user', 'remove', 'bob'])).toEqual([row('user.removed', { userId: 2 })])
    expect(await rowsOf(['room', 'delete', 'general'])).toEqual([
      row('room.deleted', { roomId: 1 }),
    ])
    await refused(['room', 'delete', 'general'], 'CHATHUB_ROOM_NOT_FOUND')
  },
)
