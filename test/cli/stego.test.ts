// The stego CLI as a user runs it (whole processes, real KDF): embed/extract/capacity/analyze on
// files, and send --image --hide / reveal through a real hub that never sees the passphrase or text.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { writePng } from '#plugins/stego/image-io'
import { errorCode, json, runCli, tempDir } from '#test/helpers/run-cli'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { photoLike } from '#test/plugins/stego/fixtures'

const PASSPHRASE = 'violet staple orbit 93'
const SECRET = 'the ledger is under the third floorboard'

let dir: string
const inDir = (args: string[], env: Record<string, string> = {}, home = join(dir, 'home')) =>
  runCli(args, { cwd: dir, env: { CHATHUB_HOME: home, ...env } })

beforeAll(async () => {
  dir = tempDir('chathub-stego-cli-')
  const cover = photoLike({ width: 160, height: 120, seed: 11 })
  writeFileSync(join(dir, 'cover.png'), await writePng(cover))
  writeFileSync(
    join(dir, 'cover.jpg'),
    await sharp(Buffer.from(cover.data), { raw: { width: 160, height: 120, channels: 3 } }).jpeg({ quality: 92 }).toBuffer(),
  )
  writeFileSync(join(dir, 'key.txt'), `${PASSPHRASE}\n`)
})

describe('stego commands on files', () => {
  test('capacity, embed, extract, analyze; wrong passphrase, too large, JPEG warning, no passphrase flag', { timeout: 60_000 }, async () => {
    const capacity = await inDir(['stego', 'capacity', 'cover.png', '--json'])
    expect(capacity.code, capacity.stderr).toBe(0)
    const cap = json<{ maxBytes: number; safeBytes: number }>(capacity)
    expect(cap.maxBytes).toBeGreaterThan(cap.safeBytes)
    expect(cap.safeBytes).toBeGreaterThan(SECRET.length)
    writeFileSync(join(dir, 'too-big.txt'), 'a'.repeat(cap.maxBytes + 1))

    const [embedded, tooBig, plainFlag, jpeg] = await Promise.all([
      inDir(['stego', 'embed', 'cover.png', 'out.png', '--message', SECRET, '--passphrase-env', 'STEGO_PASS', '--json'], {
        STEGO_PASS: PASSPHRASE,
      }),
      inDir(['stego', 'embed', 'cover.png', 'big.png', '--message-file', 'too-big.txt', '--passphrase-file', 'key.txt', '--json']),
      inDir(['stego', 'embed', 'cover.png', 'x.png', '--message', 'x', '--passphrase', PASSPHRASE]),
      inDir(['stego', 'embed', 'cover.jpg', 'from-jpeg.png', '--message', 'hi', '--passphrase-file', 'key.txt']),
    ])
    expect(embedded.code, embedded.stderr).toBe(0)
    expect(json(embedded)).toMatchObject({ out: 'out.png', payloadBytes: SECRET.length, overSafe: false, jpegRisk: false })
    expect([tooBig.code, errorCode(tooBig)]).toEqual([1, 'STEGO_PAYLOAD_TOO_LARGE'])
    expect(json<{ error: { message: string } }>(tooBig).error.message).toContain(String(cap.maxBytes))
    expect(plainFlag.code).toBe(2)
    expect(plainFlag.stderr).toMatch(/Nonexistent flag: --passphrase/)
    expect(jpeg.code, jpeg.stderr).toBe(0)
    expect(jpeg.stderr).toMatch(/JPEG.*--downscale/s)

    const [extracted, wrong, analyzed] = await Promise.all([
      inDir(['stego', 'extract', 'out.png', '--passphrase-file', 'key.txt', '--json']),
      inDir(['stego', 'extract', 'out.png', '--passphrase-env', 'P', '--json'], { P: 'not it' }),
      inDir(['stego', 'analyze', 'out.png', '--json']),
    ])
    expect(json(extracted)).toEqual({ kind: 'text', text: SECRET })
    expect([wrong.code, errorCode(wrong)]).toEqual([1, 'STEGO_NO_MESSAGE'])
    const analysis = json<{ detectors: { detector: string; statistic: number; estimatedFraction: number }[]; verdict: string; suspicious: boolean }>(analyzed)
    expect(analysis.detectors.map((d) => d.detector)).toEqual(['chi-square', 'rs', 'spa'])
    expect(analysis.suspicious).toBe(false)
    expect(analysis.verdict).toMatch(/\S/)
    for (const d of analysis.detectors) expect(typeof d.estimatedFraction).toBe('number')
  })
})

describe('send --image --hide and reveal through the hub', () => {
  let hub: TestHub
  beforeAll(async () => {
    hub = await startHub()
  })
  afterAll(() => hub.close())

  const login = (name: string): string => {
    const home = join(dir, `home-${name}`)
    // what `chathub login` would write (tests skip the password round trip)
    const creds = { server: hub.url, user: name, token: hub.token(name), expiresAt: null }
    mkdirSync(home, { recursive: true, mode: 0o700 })
    writeFileSync(join(home, 'credentials.json'), JSON.stringify(creds), { mode: 0o600 })
    return home
  }

  test('the hidden text reaches the reader; the hub stores neither it nor the passphrase', { timeout: 60_000 }, async () => {
    const alice = await hub.connect('alice')
    await alice.create('den')
    const bob = await hub.connect('bob')
    await bob.join('den')
    const aliceHome = login('alice')
    const bobHome = login('bob')

    const keySet = await inDir(['stego', 'key', 'set', '--room', 'den', '--passphrase-file', 'key.txt'], {}, aliceHome)
    expect(keySet.code, keySet.stderr).toBe(0)
    const credsFile = join(aliceHome, 'credentials.json')
    expect(statSync(credsFile).mode & 0o777).toBe(0o600)
    expect(JSON.parse(readFileSync(credsFile, 'utf8'))).toMatchObject({ token: expect.any(String), roomKeys: { den: PASSPHRASE } })

    const sent = await inDir(['send', '--room', 'den', '--image', 'cover.png', '--hide', SECRET, '--json', 'holiday snap'], {}, aliceHome)
    expect(sent.code, sent.stderr).toBe(0)
    const result = json<{ seq: number; attachment: { id: string; mime: string; name: string }; hiddenBytes: number }>(sent)
    expect(result.attachment).toMatchObject({ mime: 'image/png', name: 'cover.png' })
    expect(result.hiddenBytes).toBe(SECRET.length)
    const live = await bob.next('message', (m) => m.seq === result.seq)
    expect(live).toMatchObject({ text: 'holiday snap', attachments: [{ id: result.attachment.id, width: 160, height: 120 }] })

    const [mine, theirs, noKey] = await Promise.all([
      inDir(['reveal', '--room', 'den', '--message', String(result.seq), '--json'], {}, aliceHome),
      inDir(['reveal', '--room', 'den', '--message', String(result.seq), '--passphrase-env', 'K', '--json'], { K: PASSPHRASE }, bobHome),
      inDir(['reveal', '--room', 'den', '--message', String(result.seq), '--json'], {}, bobHome),
    ])
    expect(json(mine)).toMatchObject({ kind: 'text', text: SECRET, seq: result.seq })
    expect(json(theirs)).toMatchObject({ kind: 'text', text: SECRET })
    expect([noKey.code, errorCode(noKey)]).toEqual([1, 'STEGO_PASSPHRASE_REQUIRED'])

    // Everything the hub wrote: database (+ WAL), attachment files, logs. Neither secret is there.
    hub.hub.pipeline.flush()
    const files = readdirSync(hub.dataDir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile())
    expect(files.length).toBeGreaterThan(2)
    for (const f of files) {
      const bytes = readFileSync(join(f.parentPath ?? f.path, f.name))
      expect(bytes.includes(Buffer.from(SECRET)), f.name).toBe(false)
      expect(bytes.includes(Buffer.from(PASSPHRASE)), f.name).toBe(false)
    }
    const logs = JSON.stringify(hub.logs)
    expect(logs).not.toContain(SECRET)
    expect(logs).not.toContain(PASSPHRASE)
    expect(logs).toContain('attachment uploaded')
  })
})
