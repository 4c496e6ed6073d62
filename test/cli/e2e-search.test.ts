// `chathub search` with end-to-end encrypted rooms, as whole processes: E2E rooms are searched on the
// CLI home's device (what it decrypted; caught up first), clear rooms by the hub, in one list marked
// "(on this device)"; --room and --from narrow it; the printed --cursor gives the next page.
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { SearchHit } from '#core/protocol/messages'
import { credentialsHome, json, runCli } from '#test/helpers/run-cli'
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

const ok = async (args: string[], env: Record<string, string>) => {
  const result = await runCli(args, { env })
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result
}

const hits = (result: Awaited<ReturnType<typeof runCli>>) =>
  (json(result) as { results: SearchHit[] }).results.map((h) => [
    h.message.room,
    h.message.text,
    h.source,
  ])

test(
  'search finds E2E messages on the device and clear ones at the hub',
  { timeout: 150_000 },
  async () => {
    await ok(['devices'], bob)
    await ok(['create', 'plans', '--e2e', '--private'], alice)
    await ok(['invite', 'plans', 'bob'], alice)
    await ok(['join', 'plans'], bob)
    await ok(['create', 'general'], alice)
    await ok(['send', '--room', 'plans', 'the encrypted deploy is friday'], alice)
    await ok(['send', '--room', 'general', 'deploy failed in clear'], alice)
    await ok(['send', '--room', 'plans', 'deploy approved by bob'], bob)

    const text = await ok(['search', 'deploy'], alice)
    const lines = text.stdout.trim().split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(
      /^plans #\d+ \d\d:\d\d bob: \[deploy\] approved by bob \(on this device\)$/,
    )
    expect(lines[1]).toMatch(/^general #1 \d\d:\d\d alice: \[deploy\] failed in clear$/)
    expect(lines[2]).toMatch(
      /^plans #\d+ \d\d:\d\d alice: the encrypted \[deploy\] is friday \(on this device\)$/,
    )

    expect(hits(await ok(['search', 'deploy', '--room', 'plans', '--json'], alice))).toEqual([
      ['plans', 'deploy approved by bob', 'device'],
      ['plans', 'the encrypted deploy is friday', 'device'],
    ])
    expect(hits(await ok(['search', 'deploy', '--room', 'general', '--json'], alice))).toEqual([
      ['general', 'deploy failed in clear', 'hub'],
    ])
    // bob's home catches up first: alice's message it never read before is found.
    expect(hits(await ok(['search', 'friday', '--from', 'alice', '--json'], bob))).toEqual([
      ['plans', 'the encrypted deploy is friday', 'device'],
    ])
  },
)

test('the cursor printed after a page gives the next one', { timeout: 90_000 }, async () => {
  const first = await ok(['search', 'deploy', '--limit', '1'], alice)
  const hint = /older: chathub (search deploy --limit 1 --cursor (\S+))\)$/m.exec(first.stdout)
  expect(hint, first.stdout).not.toBeNull()
  const seen = first.stdout.split('\n').filter((l) => / #\d+ /.test(l))
  let cursor: string | undefined = hint![2]
  for (let page = 0; cursor && page < 5; page++) {
    const next = await ok(['search', 'deploy', '--limit', '1', '--cursor', cursor, '--json'], alice)
    const body = json(next) as { results: SearchHit[]; more: boolean; cursor?: string }
    seen.push(...body.results.map((h) => h.message.text ?? ''))
    cursor = body.more ? body.cursor : undefined
  }
  expect(seen).toHaveLength(3)
})
