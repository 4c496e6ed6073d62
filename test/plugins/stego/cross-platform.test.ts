// The browser's codec against the CLI's, run side by side in Node (which has WebCrypto,
// CompressionStream and WebAssembly): each primitive gives the same bytes, and a picture hidden on
// one side is revealed on the other, through real PNG files written and read by each side's code.
import { randomBytes } from 'node:crypto'
import { deflateRawSync } from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { createCodec, type KdfParams, type Payload, type RawImage } from '#plugins/stego/codec'
import { embedInFile, extractFromFile } from '#plugins/stego/files'
import { readImage, writePng as writePngSharp } from '#plugins/stego/image-io'
import { browserPrimitives as web } from '#plugins/stego/primitives-browser'
import { nodePrimitives as node } from '#plugins/stego/primitives-node'
import { photoLike } from '#test/plugins/stego/fixtures'
// web/ has no import alias (such as #web/*) in package.json: a relative path, the one way in
// eslint-disable-next-line no-restricted-imports
import { readPng, writePng as writePngWeb } from '../../../web/src/stego/png.ts'
// eslint-disable-next-line no-restricted-imports
import { createStegoOps } from '../../../web/src/stego/stego-ops.ts'

/** Test-only argon2id cost; 'v1' is what both sides use unless told (KDF_V1: 64 MiB, t = 3). */
const kdf: KdfParams = { version: 0, memoryCost: 64, timeCost: 1, parallelism: 1 }

const bytes = (n: number) => new Uint8Array(randomBytes(n))
const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : 'undefined')

const codeOf = async (run: () => unknown) => {
  try {
    await run()
    return 'resolved'
  } catch (err) {
    return (err as { code?: string }).code ?? String(err)
  }
}

/** The worker's operations, without the worker and with no decoder for non-PNG pictures. */
type Cost = KdfParams | 'v1'

const ops = (cost: Cost = kdf) =>
  createStegoOps({
    decodeOther: async () => {
      throw new Error('only PNG in these tests')
    },
    ...(cost === 'v1' ? {} : { kdf: cost }),
  })

/** The two sides, each with its own primitives and its own PNG code, as a user runs them. */
const sides = {
  /** The CLI: `chathub send --hide` / `chathub reveal` (files.ts: sharp, Node's primitives). */
  cli: {
    hide: async (png: Uint8Array, text: string, passphrase: string, cost: Cost = kdf) =>
      new Uint8Array(
        (
          await embedInFile(
            png,
            { kind: 'text', text },
            passphrase,
            cost === 'v1' ? {} : { kdf: cost },
          )
        ).png,
      ),
    reveal: (png: Uint8Array, passphrase: string, cost: Cost = kdf) =>
      extractFromFile(png, passphrase, cost === 'v1' ? {} : { kdf: cost }),
  },
  /** The browser: the worker's operations (fast-png, WebCrypto, hash-wasm). */
  web: {
    hide: async (png: Uint8Array, text: string, passphrase: string, cost: Cost = kdf) =>
      new Uint8Array((await ops(cost).hide(png, text, passphrase)).png),
    reveal: (png: Uint8Array, passphrase: string, cost: Cost = kdf) =>
      ops(cost).reveal(png, passphrase),
  },
}

const covers = {
  rgb: photoLike({ width: 160, height: 120, channels: 3, seed: 31 }),
  rgba: photoLike({ width: 150, height: 110, channels: 4, seed: 32, transparent: 0.25 }),
  grey: photoLike({ width: 140, height: 100, channels: 1, seed: 33 }),
}

describe('the primitives give the same bytes', () => {
  test('argon2id, HKDF-SHA256, SHA-256 and the AES-256-CTR keystream', async () => {
    for (let run = 0; run < 8; run++) {
      const password = bytes(1 + run * 7) // the codec never derives from an empty passphrase
      const salt = bytes(16)
      const cost = {
        memoryCost: 64 + 64 * run,
        timeCost: 1 + (run % 3),
        parallelism: 1 + (run % 2),
        outputLength: 32,
      }
      expect(hex(await web.argon2id(password, salt, cost))).toBe(
        hex(await node.argon2id(password, salt, cost)),
      )
      const ikm = bytes(32)
      const info = new TextEncoder().encode(`chathub-stego/v${run}/slots`)
      for (const length of [4, 12, 32, 80]) {
        expect(hex(await web.hkdfSha256(ikm, salt, info, length))).toBe(
          hex(await node.hkdfSha256(ikm, salt, info, length)),
        )
      }
      const data = bytes(run * 1000)
      expect(hex(await web.sha256(data))).toBe(hex(await node.sha256(data)))
      const iv = new Uint8Array(16)
      new DataView(iv.buffer).setUint32(0, run)
      for (const length of [0, 1, 15, 16, 17, 4096, 100_003]) {
        expect(hex(await web.aesCtrKeystream(ikm, iv, length))).toBe(
          hex(await node.aesCtrKeystream(ikm, iv, length)),
        )
      }
    }
  })

  test('AES-256-GCM: each opens what the other sealed; tampering gives undefined in both', async () => {
    for (const size of [0, 1, 64, 1000, 70_000]) {
      const key = bytes(32)
      const nonce = bytes(12)
      const aad = bytes(24)
      const plain = bytes(size)
      const sealedWeb = await web.aesGcmSeal(key, nonce, plain, aad)
      const sealedNode = await node.aesGcmSeal(key, nonce, plain, aad)
      expect(hex(sealedWeb)).toBe(hex(sealedNode))
      expect(hex(await web.aesGcmOpen(key, nonce, sealedNode, aad))).toBe(hex(plain))
      expect(hex(await node.aesGcmOpen(key, nonce, sealedWeb, aad))).toBe(hex(plain))
      const tampered = sealedNode.slice()
      tampered[tampered.length - 1 - (size % 7)]! ^= 1
      for (const p of [web, node]) {
        expect(await p.aesGcmOpen(key, nonce, tampered, aad)).toBeUndefined()
        expect(await p.aesGcmOpen(key, nonce, sealedNode, bytes(24))).toBeUndefined()
        expect(await p.aesGcmOpen(key, nonce, sealedNode.subarray(0, 15), aad)).toBeUndefined()
      }
    }
  })

  test('deflate: each inflates the other; the cap holds; junk is undefined', async () => {
    const inputs = [
      new Uint8Array(0),
      bytes(5000),
      new TextEncoder().encode('the mill at nine; '.repeat(3000)),
    ]
    for (const data of inputs) {
      for (const [from, to] of [
        [web, node],
        [node, web],
      ] as const) {
        expect(hex(await to.inflateRaw(await from.deflateRaw(data), 1 << 20))).toBe(hex(data))
      }
    }
    const bomb = deflateRawSync(Buffer.alloc(4 << 20))
    for (const p of [web, node]) {
      expect(await p.inflateRaw(bomb, 1 << 20)).toBeUndefined()
      expect((await p.inflateRaw(bomb, 4 << 20))?.length).toBe(4 << 20)
      expect(await p.inflateRaw(bytes(3000).fill(0xff), 1 << 20)).toBeUndefined()
      expect(await p.inflateRaw(bomb.subarray(0, bomb.length >> 1), 8 << 20)).toBeUndefined()
    }
  })

  test('randomBytes: any length, and not a constant', () => {
    for (const p of [web, node]) {
      for (const n of [0, 16, 65_536, 200_001]) expect(p.randomBytes(n).length).toBe(n)
      expect(hex(p.randomBytes(32))).not.toBe(hex(p.randomBytes(32)))
    }
  })
})

describe('hidden on one side, revealed on the other, through PNG files', () => {
  const pairs = [
    ['CLI → browser', sides.cli, sides.web],
    ['browser → CLI', sides.web, sides.cli],
  ] as const

  test.each(
    pairs.flatMap(([name, from, to]) =>
      Object.entries(covers).map(([kind, cover]) => [name, kind, cover, from, to] as const),
    ),
  )('%s, %s', async (_name, _kind, cover, from, to) => {
    const text = 'meet at the ⛲ at 17:00 — ñandú 你好 '.repeat(3)
    const hidden = await from.hide(await writePngSharp(cover), text, 'shared words')
    expect(await to.reveal(hidden, 'shared words')).toEqual({ kind: 'text', text })
    expect(await codeOf(() => to.reveal(hidden, 'wrong words'))).toBe('STEGO_NO_MESSAGE')
    expect(await codeOf(() => to.reveal(hidden, ''))).toBe('STEGO_PASSPHRASE_REQUIRED')
  })

  test.each(pairs)(
    '%s, with the real key derivation (argon2id v1: 64 MiB, t = 3)',
    async (_name, from, to) => {
      const text = 'the default parameters, on both sides'
      const hidden = await from.hide(await writePngSharp(covers.rgb), text, 'real cost', 'v1')
      expect(await to.reveal(hidden, 'real cost', 'v1')).toEqual({ kind: 'text', text })
      // the cheap test parameters are another version: they find nothing
      expect(await codeOf(() => to.reveal(hidden, 'real cost'))).toBe('STEGO_NO_MESSAGE')
    },
  )

  test('random texts, passphrases and pictures, both ways (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<1 | 3 | 4>(1, 3, 4),
        fc.integer({ min: 40, max: 110 }),
        fc.integer({ min: 40, max: 90 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.oneof(
          fc.string({ maxLength: 200, unit: 'binary' }),
          fc.string({ maxLength: 60, unit: 'grapheme' }),
          fc.string({ maxLength: 8, unit: 'grapheme' }).map((s) => s.repeat(50)),
        ),
        fc.string({ minLength: 1, maxLength: 24, unit: 'binary' }),
        fc.boolean(),
        async (channels, width, height, seed, text, passphrase, webFirst) => {
          const cover = photoLike({
            width,
            height,
            channels,
            seed,
            transparent: channels === 4 ? 0.2 : 0,
          })
          const [from, to] = webFirst ? [sides.web, sides.cli] : [sides.cli, sides.web]
          // the same cover file in, whichever side writes it
          const png = webFirst ? writePngWeb(cover) : await writePngSharp(cover)
          const { maxBytes } = createCodec(node).capacity(cover)
          const utf8 = new TextEncoder().encode(text)
          fc.pre(utf8.length <= maxBytes)
          const hidden = await from.hide(png, text, passphrase)
          // lone surrogates become U+FFFD on the way in, on both sides alike
          expect(await to.reveal(hidden, passphrase)).toEqual({
            kind: 'text',
            text: new TextDecoder().decode(utf8),
          })
        },
      ),
      { numRuns: 30 },
    )
  })

  test('texts that decoders like to alter come out as they went in', async () => {
    const png = await writePngSharp(covers.rgb)
    for (const text of ['\uFEFFbyte order mark first', '', '\u0000nul\r\n', 'e\u0301 vs \u00e9']) {
      for (const [from, to] of [
        [sides.cli, sides.web],
        [sides.web, sides.cli],
      ] as const) {
        expect(await to.reveal(await from.hide(png, text, 'pw'), 'pw')).toEqual({
          kind: 'text',
          text,
        })
      }
    }
  })

  test('a file hidden with the CLI (`chathub stego embed`) comes out whole in the browser', async () => {
    const payload: Payload = { kind: 'file', name: 'plan v2.pdf', data: bytes(2000) }
    const { png } = await embedInFile(await writePngSharp(covers.rgb), payload, 'pw', { kdf })
    expect(await ops().reveal(png, 'pw')).toEqual(payload)
  })
})

describe('the same refusals on both sides', () => {
  test('too long a text: STEGO_PAYLOAD_TOO_LARGE, with the same capacity', async () => {
    const png = await writePngSharp(covers.grey)
    const maxBytes = (await ops().capacity(png)).capacity.maxBytes
    expect(maxBytes).toBe(createCodec(node).capacity((await readImage(png)).image).maxBytes)
    const text = 'x'.repeat(maxBytes + 1)
    for (const side of [sides.cli, sides.web]) {
      expect(await codeOf(() => side.hide(png, text, 'pw'))).toBe('STEGO_PAYLOAD_TOO_LARGE')
    }
  })

  test('a broken file is STEGO_IMAGE_INVALID; damaged pixels are STEGO_NO_MESSAGE', async () => {
    const hidden = await sides.cli.hide(await writePngSharp(covers.rgb), 'fragile', 'pw')
    const truncated = hidden.subarray(0, hidden.length >> 1)
    const pixels = readPng(hidden)
    const damaged: RawImage = {
      ...pixels,
      data: pixels.data.map((v, i) => (i % 89 === 0 ? v ^ 1 : v)),
    }
    for (const side of [sides.cli, sides.web]) {
      expect(await codeOf(() => side.reveal(truncated, 'pw'))).toBe('STEGO_IMAGE_INVALID')
      expect(await codeOf(() => side.reveal(new TextEncoder().encode('not a picture'), 'pw'))).toBe(
        'STEGO_IMAGE_INVALID',
      )
    }
    expect(await codeOf(() => sides.web.reveal(writePngWeb(damaged), 'pw'))).toBe(
      'STEGO_NO_MESSAGE',
    )
    expect(await codeOf(async () => sides.cli.reveal(await writePngSharp(damaged), 'pw'))).toBe(
      'STEGO_NO_MESSAGE',
    )
    // and a picture with nothing hidden
    for (const side of [sides.cli, sides.web]) {
      expect(await codeOf(async () => side.reveal(await writePngSharp(covers.rgba), 'pw'))).toBe(
        'STEGO_NO_MESSAGE',
      )
    }
  })
})

describe('what the browser shows before sending', () => {
  test('capacity and verdict of the picked picture and of the result, as the CLI computes them', async () => {
    const { analyze } = await import('#plugins/stego/analysis')
    const png = await writePngSharp(covers.rgb)
    const before = await ops().analyze(png)
    const image = (await readImage(png)).image
    expect(before).toMatchObject({ width: 160, height: 120, format: 'png', fromJpeg: false })
    expect(before.capacity).toEqual(createCodec(node).capacity(image))
    expect(before.analysis).toEqual(analyze(image))
    // random base64: it does not deflate, so it really takes that many bytes
    const text = randomBytes(before.capacity.safeBytes * 2)
      .toString('base64')
      .slice(0, before.capacity.safeBytes * 2)
    const hidden = await ops().hide(png, text, 'pw')
    expect(hidden).toMatchObject({
      overSafe: true,
      payloadBytes: text.length,
      capacity: before.capacity,
    })
    expect(hidden.analysis).toEqual(analyze((await readImage(new Uint8Array(hidden.png))).image))
    expect((await ops().hide(png, 'short', 'pw')).overSafe).toBe(false)
  })
})
