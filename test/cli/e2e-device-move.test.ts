// `chathub devices export/import` as whole processes against a running hub: alice's device moves
// from one CLI home to a fresh one (another HOME), which then reads the encrypted room's new
// messages and sends there; the old home refuses the moved device; the device moves back; and
// garbage, wrong passphrases, altered files and other users' exports get their codes.
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { MessageView } from '#core/protocol/messages'
import {
  type CliResult,
  credentialsHome,
  errorCode,
  json,
  runCli,
  tempDir,
} from '#test/helpers/run-cli'
import { startHub, type TestHub } from '#test/helpers/start-hub'

const PASSPHRASE = 'a passphrase long enough'

let hub: TestHub
let alice: Record<string, string>
let bob: Record<string, string>
let dir: string

beforeAll(async () => {
  hub = await startHub()
  alice = credentialsHome(hub.url, 'alice', hub.token('alice'))
  bob = credentialsHome(hub.url, 'bob', hub.token('bob'))
  dir = tempDir()
})
afterAll(() => hub.close())

const ok = (result: CliResult): CliResult => {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0)
  return result
}
const withPass = (home: Record<string, string>, passphrase = PASSPHRASE) => ({
  ...home,
  CHATHUB_EXPORT_PASSPHRASE: passphrase,
})
const texts = (result: CliResult) =>
  json<{ messages: MessageView[] }>(ok(result)).messages.map((m) => m.text)

test(
  'a device exported from one home and imported into a fresh one reads and sends there; the old home refuses it',
  { timeout: 240_000 },
  async () => {
    ok(await runCli(['create', 'moving', '--e2e', '--private'], { env: alice }))
    ok(await runCli(['invite', 'moving', 'bob'], { env: alice }))
    ok(await runCli(['join', 'moving'], { env: bob }))
    ok(await runCli(['send', '--room', 'moving', 'before the move'], { env: alice }))
    const device = json<{ device: string; current: boolean }[]>(
      ok(await runCli(['devices', '--json'], { env: alice })),
    ).find((d) => d.current)!.device

    const file = join(dir, 'alice.chathub-device')
    const exported = json<{ file: string; device: string; store: string }>(
      ok(await runCli(['devices', 'export', file, '--json'], { env: withPass(alice) })),
    )
    expect(exported).toMatchObject({ file, device, user: 'alice' })
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readFileSync(file, 'utf8')).not.toContain('before the move')

    // The old home: the device is gone from here, and it says so.
    for (const args of [
      ['history', '--room', 'moving', '--json'],
      ['send', '--room', 'moving', 'still here?', '--json'],
    ]) {
      expect(errorCode(await runCli(args, { env: alice }))).toBe('E2E_DEVICE_MOVED')
    }
    expect(
      errorCode(
        await runCli(['devices', 'export', join(dir, 'again'), '--json'], { env: withPass(alice) }),
      ),
    ).toBe('E2E_DEVICE_MOVED')
    // Clear rooms still work from the old home: it is a home without a device now.
    ok(await runCli(['create', 'moved-lobby'], { env: alice }))
    ok(await runCli(['send', '--room', 'moved-lobby', 'clear rooms still work'], { env: alice }))
    expect(texts(await runCli(['history', '--room', 'moved-lobby', '--json'], { env: alice }))).toEqual([
      'clear rooms still work',
    ])

    ok(await runCli(['send', '--room', 'moving', 'while it moved'], { env: bob }))

    // The new machine: a fresh home logged in as alice.
    const laptop = credentialsHome(hub.url, 'alice', hub.token('alice'))
    const imported = json<{ device: string; store: string }>(
      ok(await runCli(['devices', 'import', file, '--json'], { env: withPass(laptop) })),
    )
    expect(imported.device).toBe(device)
    expect(statSync(imported.store).mode & 0o777).toBe(0o600)
    expect(texts(await runCli(['history', '--room', 'moving', '--json'], { env: laptop }))).toEqual(
      ['before the move', 'while it moved'],
    )
    ok(await runCli(['send', '--room', 'moving', 'from the new machine'], { env: laptop }))
    expect(texts(await runCli(['history', '--room', 'moving', '--json'], { env: bob }))).toContain(
      'from the new machine',
    )
    // Still one device of alice's, the same one.
    const devices = json<{ device: string; current: boolean }[]>(
      ok(await runCli(['devices', '--json'], { env: laptop })),
    )
    expect(devices).toMatchObject([{ device, current: true }])

    // And back: the home it was moved from takes it again (an import resets a moved store), but
    // not from the export it made itself: the device has run elsewhere since.
    expect(
      errorCode(await runCli(['devices', 'import', file, '--json'], { env: withPass(alice) })),
    ).toBe('E2E_EXPORT_OUTDATED')
    const back = join(dir, 'back.chathub-device')
    ok(await runCli(['devices', 'export', back], { env: withPass(laptop) }))
    ok(await runCli(['devices', 'import', back], { env: withPass(alice) }))
    ok(await runCli(['send', '--room', 'moving', 'back home'], { env: alice }))
    expect(texts(await runCli(['history', '--room', 'moving', '--json'], { env: bob }))).toContain(
      'back home',
    )
    expect(
      errorCode(await runCli(['history', '--room', 'moving', '--json'], { env: laptop })),
    ).toBe('E2E_DEVICE_MOVED')
  },
)

test(
  'garbage, a wrong passphrase, an altered file, another user and existing files get their codes',
  { timeout: 180_000 },
  async () => {
    const carol = credentialsHome(hub.url, 'carol', hub.token('carol'))
    const bobFile = join(dir, 'bob.chathub-device')
    // Refused before anything is written: a home without a device, a short passphrase, no passphrase.
    const [none, short, noPass] = await Promise.all([
      runCli(['devices', 'export', join(dir, 'none'), '--json'], { env: withPass(carol) }),
      runCli(['devices', 'export', bobFile, '--json'], { env: withPass(bob, 'too short') }),
      runCli(['devices', 'export', bobFile, '--json'], { env: bob }),
    ])
    expect(errorCode(none)).toBe('CHATHUB_DEVICE_NONE')
    expect(errorCode(short)).toBe('E2E_EXPORT_PASSPHRASE_TOO_SHORT')
    expect(errorCode(noPass)).toBe('CHATHUB_PASSPHRASE_REQUIRED')

    // Not over an existing file without --force (and bob's home keeps its device meanwhile).
    writeFileSync(bobFile, 'precious')
    expect(
      errorCode(await runCli(['devices', 'export', bobFile, '--json'], { env: withPass(bob) })),
    ).toBe('CHATHUB_FILE_EXISTS')
    expect(readFileSync(bobFile, 'utf8')).toBe('precious')
    const passFile = join(dir, 'pass.txt')
    writeFileSync(passFile, `${PASSPHRASE}\n`)
    ok(
      await runCli(['devices', 'export', bobFile, '--force', '--passphrase-file', passFile], {
        env: bob,
      }),
    )
    expect(statSync(bobFile).mode & 0o777).toBe(0o600)

    const fresh = () => credentialsHome(hub.url, 'bob', hub.token('bob'))
    const wrongPass = join(dir, 'wrong.txt')
    writeFileSync(wrongPass, 'not the passphrase at all\n')
    const garbage = join(dir, 'garbage')
    writeFileSync(garbage, 'chathub-device-export 1\n{"user":"bob"}\nAAAA\n')
    const lines = readFileSync(bobFile, 'utf8').split('\n')
    const body = Buffer.from(lines[2]!, 'base64')
    body[body.length - 20]! ^= 0x01
    const altered = join(dir, 'altered')
    writeFileSync(altered, [lines[0], lines[1], body.toString('base64'), ''].join('\n'))

    const [wrong, tampered, notExport, missing, otherUser] = await Promise.all([
      runCli(['devices', 'import', bobFile, '--passphrase-file', wrongPass, '--json'], {
        env: fresh(),
      }),
      runCli(['devices', 'import', altered, '--json'], { env: withPass(fresh()) }),
      runCli(['devices', 'import', garbage, '--json'], { env: withPass(fresh()) }),
      runCli(['devices', 'import', join(dir, 'no-such-file'), '--json'], {
        env: withPass(fresh()),
      }),
      runCli(['devices', 'import', bobFile, '--json'], { env: withPass(carol) }),
    ])
    expect(errorCode(wrong)).toBe('E2E_EXPORT_PASSPHRASE_WRONG')
    expect(errorCode(tampered)).toBe('E2E_EXPORT_INVALID')
    expect(errorCode(notExport)).toBe('E2E_EXPORT_INVALID')
    expect(errorCode(missing)).toBe('CHATHUB_FILE_UNREADABLE')
    expect(errorCode(otherUser)).toBe('E2E_EXPORT_WRONG_ACCOUNT')

    // A home that is a device of bob's (a new one) is not replaced without --force.
    const bobAgain = fresh()
    const listed = json<{ device: string; current: boolean }[]>(
      ok(await runCli(['devices', '--json'], { env: bobAgain })),
    )
    expect(
      errorCode(
        await runCli(['devices', 'import', bobFile, '--json'], { env: withPass(bobAgain) }),
      ),
    ).toBe('CHATHUB_DEVICE_EXISTS')
    // Once the exported device is removed from bob's account, the hub no longer lists it: refused.
    const exportedDevice = listed.find((d) => !d.current)!.device
    ok(await runCli(['devices', 'remove', exportedDevice], { env: bobAgain }))
    expect(
      errorCode(await runCli(['devices', 'import', bobFile, '--json'], { env: withPass(fresh()) })),
    ).toBe('E2E_EXPORT_WRONG_ACCOUNT')
  },
)
