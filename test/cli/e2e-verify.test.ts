// `chathub verify` as whole processes against a running hub: alice and bob see the same safety
// number and record it; bob adds a second device (vouched), and alice's `verify bob` says the
// verification is broken and what changed, and her `send` into their encrypted room warns on stderr
// until she verifies again. Refusals get their codes.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type CliResult, credentialsHome, errorCode, json, runCli } from '#test/helpers/run-cli'
import { startHub, type TestHub } from '#test/helpers/start-hub'

interface Verified {
  user: string
  safetyNumber: string
  status: string
  verifiedAt?: string
  changes?: { added: string[]; removed: string[]; keyChanged: string[] }
  devices: { device: string; status: string; fingerprint: string }[]
  recorded: string
}

let hub: TestHub
let alice: Record<string, string>
let bob: Record<string, string>

beforeAll(async () => {
  hub = await startHub()
  alice = credentialsHome(hub.url, 'alice', hub.token('alice'))
  bob = credentialsHome(hub.url, 'bob', hub.token('bob'))
})
afterAll(() => hub.close())

const ok = (result: CliResult): CliResult => {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0)
  return result
}
const warningsIn = (stderr: string): string[] =>
  stderr.split('\n').filter((l) => l.includes('VERIFICATION BROKEN'))

test(
  'alice and bob see the same number; a device bob adds breaks it, loudly, until alice verifies again',
  { timeout: 240_000 },
  async () => {
    ok(await runCli(['create', 'pact', '--e2e', '--private'], { env: alice }))
    ok(await runCli(['invite', 'pact', 'bob'], { env: alice }))
    ok(await runCli(['join', 'pact'], { env: bob }))
    ok(await runCli(['send', '--room', 'pact', 'first words'], { env: alice }))

    const [fromAlice, fromBob] = await Promise.all([
      runCli(['verify', 'bob', '--json'], { env: alice }),
      runCli(['verify', 'alice', '--json'], { env: bob }),
    ])
    const a = json<Verified>(ok(fromAlice))
    const b = json<Verified>(ok(fromBob))
    expect(a.safetyNumber).toMatch(/^(\d{5} ){11}\d{5}$/)
    expect(b.safetyNumber).toBe(a.safetyNumber)
    expect(a).toMatchObject({
      user: 'bob',
      status: 'unverified',
      recorded: 'nothing',
      devices: [{ status: 'first_use' }],
    })

    // Not a TTY and no --confirm: shown, nothing recorded; then recorded by each side.
    const shown = ok(await runCli(['verify', 'bob'], { env: alice }))
    for (const group of a.safetyNumber.split(' ')) expect(shown.stdout).toContain(group)
    expect(shown.stdout).toContain('chathub verify bob --confirm')
    expect(
      json<Verified>(ok(await runCli(['verify', 'bob', '--confirm', '--json'], { env: alice }))),
    ).toMatchObject({
      status: 'verified',
      recorded: 'confirmed',
      verifiedAt: expect.any(String),
    })
    // --expect: recorded only while the number is the one compared.
    expect(
      errorCode(
        await runCli(['verify', 'alice', '--confirm', '--expect', '12345 67890', '--json'], {
          env: bob,
        }),
      ),
    ).toBe('CHATHUB_VERIFY_NUMBER_CHANGED')
    ok(await runCli(['verify', 'alice', '--confirm', '--expect', a.safetyNumber], { env: bob }))
    expect(
      json<Verified>(ok(await runCli(['verify', 'alice', '--json'], { env: bob }))),
    ).toMatchObject({ status: 'verified' })

    // Verified and unchanged: sending warns about nothing.
    const quiet = ok(await runCli(['send', '--room', 'pact', 'all good'], { env: alice }))
    expect(warningsIn(quiet.stderr)).toEqual([])

    // Bob's second machine registers a device, and his first vouches for it.
    const bobPhone = credentialsHome(hub.url, 'bob', hub.token('bob'))
    const listed = json<{ device: string; current: boolean }[]>(
      ok(await runCli(['devices', '--json'], { env: bobPhone })),
    )
    const phone = listed.find((d) => d.current)!.device
    ok(await runCli(['devices', 'vouch', phone], { env: bob }))

    const broken = json<Verified>(ok(await runCli(['verify', 'bob', '--json'], { env: alice })))
    expect(broken).toMatchObject({
      status: 'broken',
      changes: { added: [phone], removed: [], keyChanged: [] },
    })
    expect(broken.safetyNumber).not.toBe(a.safetyNumber)
    expect(broken.devices.map((d) => d.status).sort()).toEqual(['first_use', 'vouched'])
    const brokenText = ok(await runCli(['verify', 'bob'], { env: alice }))
    expect(brokenText.stdout).toMatch(
      new RegExp(
        `VERIFICATION BROKEN: bob's devices changed since you verified them on .*device ${phone} \\("cli on [^"]+"\\) added`,
      ),
    )
    // Bob's side is unchanged: alice's devices are the same.
    expect(
      json<Verified>(ok(await runCli(['verify', 'alice', '--json'], { env: bob }))).status,
    ).toBe('verified')

    // Alice's send into the room they share: one warning line on stderr, naming bob and the command.
    const warned = ok(await runCli(['send', '--room', 'pact', 'are you there?'], { env: alice }))
    expect(warningsIn(warned.stderr)).toEqual([expect.stringContaining(`device ${phone}`)])
    expect(warningsIn(warned.stderr)[0]).toMatch(/bob's devices changed.*run `chathub verify bob`$/)
    const warnedJson = json<{ seq: number; warnings: string[] }>(
      ok(await runCli(['send', '--room', 'pact', 'again', '--json'], { env: alice })),
    )
    expect(warnedJson.warnings).toEqual([expect.stringContaining('VERIFICATION BROKEN')])
    // chat too, once, before it starts.
    const chat = ok(
      await runCli(['chat', '--room', 'pact'], {
        env: alice,
        input: 'typed in chat\n',
        timeoutMs: 60_000,
      }),
    )
    expect(warningsIn(chat.stderr)).toHaveLength(1)
    // A clear room is not about verification.
    ok(await runCli(['create', 'lobby'], { env: alice }))
    ok(await runCli(['invite', 'lobby', 'bob'], { env: alice }))
    expect(
      warningsIn(ok(await runCli(['send', '--room', 'lobby', 'plain'], { env: alice })).stderr),
    ).toEqual([])

    // Compared again and confirmed: quiet again.
    const again = json<Verified>(
      ok(await runCli(['verify', 'bob', '--confirm', '--json'], { env: alice })),
    )
    expect(again).toMatchObject({ status: 'verified', safetyNumber: broken.safetyNumber })
    expect(
      warningsIn(
        ok(await runCli(['send', '--room', 'pact', 'verified again'], { env: alice })).stderr,
      ),
    ).toEqual([])
    expect(
      json<Verified>(ok(await runCli(['verify', 'bob', '--forget', '--json'], { env: alice }))),
    ).toMatchObject({
      status: 'unverified',
      recorded: 'forgotten',
    })
  },
)

test(
  'refusals: yourself, nobody, a user without devices, --expect without --confirm',
  { timeout: 60_000 },
  async () => {
    hub.token('carol')
    const [self, nobody, carol, expectAlone] = await Promise.all([
      runCli(['verify', 'alice', '--json'], { env: alice }),
      runCli(['verify', 'nosuchuser', '--json'], { env: alice }),
      runCli(['verify', 'carol', '--json'], { env: alice }),
      runCli(['verify', 'bob', '--expect', '1'], { env: alice }),
    ])
    expect(errorCode(self)).toBe('CHATHUB_VERIFY_SELF')
    expect(errorCode(nobody)).toBe('CHATHUB_USER_NOT_FOUND')
    expect(errorCode(carol)).toBe('CHATHUB_VERIFY_NO_DEVICES')
    expect(expectAlone.code).not.toBe(0)
    expect(expectAlone.stderr).toMatch(/--confirm/)
  },
)
