// What the steganalysis reports on real photographs: chathub's embedding at 5/10/25/50% of
// maxBytes next to sequential LSB replacement of the same payload size. Prints a markdown table;
// with `--spread N`, a second one: the spread of the SPA estimate over N embeddings per share,
// next to ±1 changes at uniformly random samples at the same rate.
import { readdir, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes, randomInt } from 'node:crypto'
import { parseArgs } from 'node:util'
import { analyze, samplePairAnalysis, type Analysis } from '#plugins/stego/analysis'
import { capacity, embed, type KdfParams, type RawImage } from '#plugins/stego/codec'
import { readImage } from '#plugins/stego/image-io'
import { lsbReplace } from '#test/plugins/stego/lsb-replace'

// The KDF cost does not change a single pixel; a cheap set keeps the run short.
const kdf: KdfParams = { version: 0, memoryCost: 64, timeCost: 1, parallelism: 1 }
const SHARES = [0.05, 0.1, 0.25, 0.5]
const repo = resolve(fileURLToPath(import.meta.url), '../..')
// tooling script: the one place in bench/ that reads its input location from the environment
const folder = process.env.STEGO_IMAGES ?? resolve(repo, '../shared/testdata/images')

const spread = Number(parseArgs({ options: { spread: { type: 'string', default: '0' } } }).values.spread)

const cell = (a: Analysis) =>
  `${a.rs.estimatedFraction.toFixed(3)} / ${a.spa.estimatedFraction.toFixed(3)} / ${a.chiSquare.leading5.pValue.toFixed(2)} ${a.suspicious ? '**flag**' : 'ok'}`

let files: string[]
try {
  files = (await readdir(folder)).filter((f) => /\.(png|jpe?g|webp|gif|tiff?)$/i.test(f)).sort()
} catch {
  files = []
}
if (files.length === 0) {
  process.stdout.write(`No images found in ${folder} (set STEGO_IMAGES to a folder of photographs).\n`)
  process.exit(1)
}

const lines = [
  `Images from ${folder}. Each cell: RS estimate / SPA estimate / chi-square p (leading 5%) and the verdict.`,
  'LSB replacement writes the same number of bits sequentially from the top.',
  '',
  '| image | size | cover | share of maxBytes | chathub (LSB matching, Hamming) | LSB replacement |',
  '|---|---|---|---:|---|---|',
]
const spreadLines = [
  `SPA estimate over ${spread} embeddings per share: mean ± standard deviation [min, max].`,
  'Uniform ±1: the same number of ±1 changes at uniformly random samples (forced at 0 and 255).',
  '',
  '| image | cover SPA | share of maxBytes | change rate | chathub | uniform ±1 |',
  '|---|---:|---:|---:|---|---|',
]
const stats = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1))
  const f = (x: number) => x.toFixed(3)
  return `${f(mean)} ± ${f(sd)} [${f(Math.min(...xs))}, ${f(Math.max(...xs))}]`
}
/** LSB matching without chathub's code: `changes` distinct random samples changed by ±1. */
const uniformMatching = (image: RawImage, changes: number): RawImage => {
  const data = image.data.slice()
  const colours = Math.min(image.channels, 3)
  const samples = image.width * image.height * colours
  const done = new Uint8Array(samples)
  for (let left = Math.min(changes, samples); left > 0; ) {
    const s = randomInt(samples)
    if (done[s]) continue
    done[s] = 1
    left--
    const at = Math.floor(s / colours) * image.channels + (s % colours)
    const v = data[at]!
    data[at] = v === 0 ? 1 : v === 255 ? 254 : v + (randomInt(2) === 0 ? -1 : 1)
  }
  return { ...image, data }
}

for (const file of files) {
  const read = await readImage(await readFile(join(folder, file)))
  const { image } = read
  const cover = analyze(image)
  const { maxBytes, usableSlots } = capacity(image)
  for (const share of SHARES) {
    const bytes = Math.max(0, Math.floor(maxBytes * share) - 2)
    const { pixels } = await embed(image, { kind: 'file', name: 'a', data: new Uint8Array(randomBytes(bytes)) }, 'pw', { kdf })
    const ours = analyze(pixels)
    const replaced = analyze(lsbReplace(image, Math.min(1, (bytes * 8) / usableSlots), 7))
    lines.push(
      `| ${file}${read.fromJpeg ? ' (JPEG)' : ''} | ${image.width}×${image.height}×${image.channels} | ${share === SHARES[0] ? cell(cover) : ''} | ${share * 100}% | ${cell(ours)} | ${cell(replaced)} |`,
    )
    if (spread < 1) continue
    const chathub: number[] = []
    const uniform: number[] = []
    let rate = 0
    for (let i = 0; i < spread; i++) {
      const payload = { kind: 'file', name: 'a', data: new Uint8Array(randomBytes(bytes)) } as const
      const result = await embed(image, payload, `pw${i}`, { kdf })
      rate = result.changeRate
      chathub.push(samplePairAnalysis(result.pixels).estimatedFraction)
      uniform.push(samplePairAnalysis(uniformMatching(image, result.changed)).estimatedFraction)
    }
    spreadLines.push(
      `| ${file} | ${share === SHARES[0] ? cover.spa.estimatedFraction.toFixed(3) : ''} | ${share * 100}% | ${(rate * 100).toFixed(2)}% | ${stats(chathub)} | ${stats(uniform)} |`,
    )
  }
}
process.stdout.write(`${lines.join('\n')}\n`)
if (spread >= 1) process.stdout.write(`\n${spreadLines.join('\n')}\n`)
