// `chathub search` as a user runs it (the built CLI against a running hub): matches with the words
// marked, filters, --dm, paging by --cursor, --json, and the error codes of bad queries.
import { beforeEach, expect, test } from 'vitest'
import type { AckResults } from '#core/protocol/messages'
import { type CliResult, errorCode, json, runCli, tempDir } from '#test/helpers/run-cli'
import { startHub, type TestHub } from '#test/helpers/start-hub'

const PASSWORD = 'correct horse battery'

let hub: TestHub
let home: string
const cli = (args: string[], input?: string) => runCli(args, { input, env: { CHATHUB_HOME: home } })

beforeEach(async () => {
  hub = await startHub()
  home = tempDir('chathub-home-')
  await hub.addUser('alice', PASSWORD)
  return () => hub.close()
})

test(
  'chathub search finds, filters and pages what alice may read',
  { timeout: 120_000 },
  async () => {
    const notLoggedIn = await cli(['search', 'deploy', '--json'])
    expect([notLoggedIn.code, errorCode(notLoggedIn)]).toEqual([1, 'CHATHUB_NOT_LOGGED_IN'])
    const login = await cli(
      ['login', '--server', hub.url, '--user', 'alice', '--password-stdin'],
      `${PASSWORD}\n`,
    )
    expect(login.code, login.stderr).toBe(0)

    const bob = await hub.connect('bob')
    await bob.create('general')
    await bob.create('ops')
    await bob.create('secret', { private: true })
    await bob.say('general', 'the deploy failed on staging')
    await bob.say('ops', 'Déploy fixed, deploy again')
    await bob.say('secret', 'deploy keys are in the vault')
    await bob.sayDirect('alice', 'did the deploy work?')
    for (let i = 1; i <= 5; i++) await bob.say('general', `standup note ${i}`)

    const [all, text, inRoom, dm, from, none, after] = await Promise.all([
      cli(['search', 'deploy', '--json']),
      cli(['search', 'deploy', 'failed']),
      cli(['search', 'deploy', '--room', 'ops', '--json']),
      cli(['search', 'deploy', '--dm', 'bob', '--json']),
      cli(['search', 'deploy', '--from', 'alice', '--json']),
      cli(['search', 'nothing-like-this']),
      cli([
        'search',
        'deploy',
        '--after',
        '2000-01-01',
        '--before',
        '2000-02-01T00:00:00Z',
        '--json',
      ]),
    ])
    type Page = AckResults['search']
    const where = (r: CliResult) =>
      json<Page>(r).results.map((h) => `${h.message.room}#${h.message.seq}`)
    // The private room alice is not in never shows; her direct conversation with bob does.
    expect(all.code, all.stderr).toBe(0)
    const page = json<Page>(all)
    expect(page.results.map((h) => h.message.text)).toEqual([
      'did the deploy work?',
      'Déploy fixed, deploy again',
      'the deploy failed on staging',
    ])
    expect(page.results[1]?.marks).toEqual([
      [0, 6],
      [14, 20],
    ])
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/^general #1 \d\d:\d\d bob: the \[deploy\] \[failed\] on staging$/m)
    expect(where(inRoom)).toEqual(['ops#1'])
    expect(json<Page>(dm).results.map((h) => h.message.text)).toEqual(['did the deploy work?'])
    expect(where(from)).toEqual([])
    expect(none.stdout.trim()).toBe('no messages match')
    expect(where(after)).toEqual([])

    // Paging: the hint names the next page's command, which a user can run as it is.
    const first = await cli(['search', 'standup', '--limit', '2'])
    expect(first.stdout).toMatch(/^general #6 .* bob: \[standup\] note 5$/m)
    const hint = /older: chathub (search .* --cursor ([0-9a-z]+))\)/.exec(first.stdout)
    expect(hint?.[1]).toMatch(/^search standup --limit 2 --cursor [0-9a-z]+$/)
    const second = await cli([
      'search',
      'standup',
      '--limit',
      '2',
      '--cursor',
      hint?.[2] ?? '',
      '--json',
    ])
    expect(where(second)).toEqual(['general#4', 'general#3'])

    const [invalid, tooLong, badDate, badRoom, both, noQuery] = await Promise.all([
      cli(['search', '--json', '--', '-deploy']),
      cli(['search', 'x'.repeat(300), '--json']),
      cli(['search', 'deploy', '--after', 'yesterday', '--json']),
      cli(['search', 'deploy', '--room', 'secret', '--json']),
      cli(['search', 'deploy', '--room', 'ops', '--dm', 'bob']),
      cli(['search']),
    ])
    expect([invalid.code, errorCode(invalid)]).toEqual([1, 'CHATHUB_SEARCH_QUERY_INVALID'])
    expect(errorCode(tooLong)).toBe('CHATHUB_SEARCH_QUERY_TOO_LONG')
    expect(errorCode(badDate)).toBe('CHATHUB_SEARCH_DATE_INVALID')
    expect(errorCode(badRoom)).toBe('CHATHUB_ROOM_NOT_FOUND')
    expect(both.code).not.toBe(0)
    expect(both.stderr).toMatch(/cannot also be provided|--dm/)
    expect(noQuery.code).not.toBe(0)
    expect(noQuery.stderr).toMatch(/query/i)
  },
)
