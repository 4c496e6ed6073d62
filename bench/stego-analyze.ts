// What the steganalysis reports on real photographs: chathub's embedding at 5/10/25/50% of
// maxBytes next to sequential LSB replacement of the same payload size. Prints a markdown table.
import { readdir, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import { analyze, type Analysis } from '#plugins/stego/analysis'
import { capacity, embed, type KdfParams } from '#plugins/stego/codec'
import { readImage } from '#plugins/stego/image-io'
import { lsbReplace } from '#test/plugins/stego/lsb-replace'

// The KDF cost does not change a single pixel; a cheap set keeps the run short.
const kdf: KdfParams = { version: 0, memoryCost: 64, timeCost: 1, parallelism: 1 }
const SHARES = [0.05, 0.1, 0.25, 0.5]
const repo = resolve(fileURLToPath(import.meta.url), '../..')
// tooling script: the one place in bench/ that reads its input location from the environment
const folder = process.env.STEGO_IMAGES ?? resolve(repo, '../shared/testdata/images')

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
  }
}
process.stdout.write(`${lines.join('\n')}\n`)
