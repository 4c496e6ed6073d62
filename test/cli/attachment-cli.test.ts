// `chathub attachment usage` and `chathub attachment prune` as whole processes, on the data directory
// of a hub that keeps running meanwhile: --json output, text output, and error codes.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type CliResult, json, runCli, tempDir } from '#test/helpers/run-cli'
import { startHub, type TestHub } from '#test/helpers/start-hub'

interface Usage {
  quotaBytesPerUser: number
  maxTotalBytes: number
  total: { uploads: number; files: number; bytes: number }
  users: { user: string; uploads: number; unsent: number; bytes: number; overQuota: boolean }[]
}

const HOUR = 3600_000
let hub: TestHub
let dataDir: string
let sentByAlice: string

beforeAll(async () => {
  dataDir = tempDir()
  // Everything here was uploaded "three hours ago": older than a 60-minute TTL, younger than the default.
  hub = await startHub({ attachments: { sweepIntervalSeconds: 0 } }, { dataDir, now: () => Date.now() - 3 * HOUR })
  const alice = await hub.connect('alice')
  const bob = await hub.connect('bob')
  hub.token('carol')
  await alice.create('files')
  await bob.join('files')
  await alice.upload('files', Buffer.alloc(600, 'a')) // never sent
  const kept = await alice.upload('files', Buffer.alloc(700, 'b'))
  sentByAlice = kept.id
  await alice.say('files', 'kept', { attachments: [kept.id] })
  const gone = await bob.upload('files', Buffer.alloc(300, 'c'))
  const { seq } = await bob.say('files', 'soon deleted', { attachments: [gone.id] })
  await bob.delete('files', seq)
}, 60_000)
afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, 20)) // see attachment-sweep.test.ts
  await hub.close()
})

const cli = (args: string[], env: Record<string, string> = {}) => runCli([...args, '--data-dir', dataDir], { env })
const errorOf = (r: CliResult) => json<{ error: { code: string; message: string } }>(r).error

test('usage, prune and their errors, while the hub runs', { timeout: 120_000 }, async () => {
  const quota = { CHATHUB_ATTACHMENTS_QUOTA_BYTES_PER_USER: '1000' }
  const [usage, one, text, ghost, badEnv] = await Promise.all([
    cli(['attachment', 'usage', '--json'], quota),
    cli(['attachment', 'usage', '--user', 'carol', '--json']),
    cli(['attachment', 'usage'], quota),
    cli(['attachment', 'usage', '--user', 'ghost', '--json']),
    cli(['attachment', 'prune', '--json'], { CHATHUB_ATTACHMENTS_UNLINKED_TTL_MINUTES: 'soon' }),
  ])
  expect(usage.code, usage.stderr).toBe(0)
  expect(json<Usage>(usage)).toEqual({
    quotaBytesPerUser: 1000,
    maxTotalBytes: 0,
    total: { uploads: 3, files: 3, bytes: 1600 },
    users: [
      { user: 'alice', uploads: 2, unsent: 1, bytes: 1300, overQuota: true },
      { user: 'bob', uploads: 1, unsent: 0, bytes: 300, overQuota: false },
    ],
  })
  expect(json<Usage>(one).users).toEqual([{ user: 'carol', uploads: 0, unsent: 0, bytes: 0, overQuota: false }])
  expect(text.code, text.stderr).toBe(0)
  expect(text.stdout).toMatch(/alice\s+2\s+1\s+1\.3 KiB\s+1000 B \(130\.0%\)\s+over quota/)
  expect(text.stdout).toContain('hub: 3 uploads, 3 distinct files, 1.6 KiB (no hub-wide limit)')
  expect([ghost.code, errorOf(ghost).code]).toEqual([1, 'CHATHUB_USER_NOT_FOUND'])
  expect([badEnv.code, errorOf(badEnv).code]).toEqual([1, 'CHATHUB_CONFIG_INVALID'])
  expect(errorOf(badEnv).message).toContain('CHATHUB_ATTACHMENTS_UNLINKED_TTL_MINUTES')

  // Default TTL (6 h): only the attachment of bob's deleted message goes.
  const first = await cli(['attachment', 'prune', '--json'])
  expect(first.code, first.stderr).toBe(0)
  expect(json(first)).toEqual({ unlinked: 0, ofDeletedMessages: 1, files: 1, thumbnails: 0, tmp: 0, bytesFreed: 300 })
  // A 60-minute TTL from the environment, as in a cron job: alice's unsent upload goes too.
  const second = await cli(['attachment', 'prune'], { CHATHUB_ATTACHMENTS_UNLINKED_TTL_MINUTES: '60' })
  expect(second.code, second.stderr).toBe(0)
  expect(second.stdout).toContain('deleted 1 upload not sent within 60 minutes, 0 attachments of deleted messages')
  expect(second.stdout).toContain('removed 1 file, 0 thumbnails, 0 temp files: 600 B freed')
  const third = await cli(['attachment', 'prune'])
  expect(third.stdout.trim()).toBe('nothing to prune')

  const after = json<Usage>(await cli(['attachment', 'usage', '--json']))
  expect(after.users).toEqual([{ user: 'alice', uploads: 1, unsent: 0, bytes: 700, overQuota: false }])
  // The running hub still serves what is left.
  const alice = await hub.connect('alice')
  expect((await alice.download(sentByAlice)).bytes.length).toBe(700)
})
