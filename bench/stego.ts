// Stego codec benchmark: decode + embed + PNG encode and decode + extract on a 12-megapixel
// photo-like image, as ratios to sharp decode + PNG encode of the same image in the same run.
import { randomBytes } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { capacity, embed, extract, type Payload } from '#plugins/stego/codec'
import { readImage, writePng } from '#plugins/stego/image-io'
import { photoLike } from '#test/plugins/stego/fixtures'

export interface StegoBenchRow {
  payload: string
  bytes: number
  /** Medians in milliseconds. */
  baselineMs: number
  embedMs: number
  extractMs: number
  kdfMs: number
  /** Median over runs of (decode + embed + encode − KDF) / (decode + encode) of the same run. */
  embedRatio: number
  /** Median over runs of (decode + extract − KDF) / (decode + encode) of the same run. */
  extractRatio: number
  /** The paired ratios of every run, in run order. */
  embedRatios: number[]
  extractRatios: number[]
  changeRate: number
  matrixK: number
}

export interface StegoBenchResult {
  width: number
  height: number
  runs: number
  rows: StegoBenchRow[]
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/** Wall time of `run` minus the time spent between the 'kdf' progress marks. */
const timed = async <T>(run: (onProgress: (f: number, phase: string) => void) => Promise<T>) => {
  let kdf = 0
  let kdfStart = 0
  const start = performance.now()
  const value = await run((f, phase) => {
    if (phase !== 'kdf') return
    if (f === 0) kdfStart = performance.now()
    else kdf += performance.now() - kdfStart
  })
  const total = performance.now() - start
  return { value, total, kdf }
}

export async function runStegoBench(opts: { runs: number }): Promise<StegoBenchResult> {
  const runs = Math.max(3, opts.runs)
  const width = 4000
  const height = 3000
  const cover = photoLike({ width, height, seed: 12 })
  const png = await writePng(cover)
  const cap = capacity(cover)
  const sizes: [string, number][] = [
    ['4 KiB file', 4096],
    ['safeBytes (5%)', cap.safeBytes - 2],
    ['25% of maxBytes', Math.floor(cap.maxBytes * 0.25)],
  ]
  const rows: StegoBenchRow[] = []
  for (const [label, bytes] of sizes) {
    const payload: Payload = { kind: 'file', name: 'a', data: new Uint8Array(randomBytes(bytes)) }
    const base: number[] = []
    const emb: number[] = []
    const ext: number[] = []
    const kdf: number[] = []
    let changeRate = 0
    let matrixK = 0
    for (let run = 0; run < runs; run++) {
      const b = await timed(async () => writePng((await readImage(png)).image))
      base.push(b.total)
      const e = await timed(async (onProgress) => {
        const result = await embed((await readImage(png)).image, payload, 'bench passphrase', { onProgress })
        changeRate = result.changeRate
        matrixK = result.matrixK
        return writePng(result.pixels)
      })
      emb.push(e.total - e.kdf)
      kdf.push(e.kdf)
      const x = await timed(async (onProgress) =>
        extract((await readImage(e.value)).image, 'bench passphrase', { onProgress }),
      )
      ext.push(x.total - x.kdf)
      kdf.push(x.kdf)
    }
    const baselineMs = median(base)
    // each run's paths against the baseline of the same run: a busy moment on the machine slows
    // both sides of a pair, so the paired ratio is steadier than a ratio of medians
    const embedRatios = emb.map((ms, i) => ms / base[i]!)
    const extractRatios = ext.map((ms, i) => ms / base[i]!)
    rows.push({
      payload: label,
      bytes,
      baselineMs,
      embedMs: median(emb),
      extractMs: median(ext),
      kdfMs: median(kdf),
      embedRatio: median(embedRatios),
      extractRatio: median(extractRatios),
      embedRatios,
      extractRatios,
      changeRate,
      matrixK,
    })
  }
  return { width, height, runs, rows }
}

export const formatStegoBench = (result: StegoBenchResult): string => {
  const lines = [
    `${result.width}×${result.height} RGB photo-like image, medians of ${result.runs} runs ` +
      '(ratios: medians of the per-run paired ratios); KDF (argon2id v1: 64 MiB, t=3) excluded ' +
      'from the ratios and shown on its own.',
    '',
    '| payload | bytes | k | change rate | decode+encode ms | embed path ms | ratio (≤1.3) | extract path ms | ratio (≤1.2) | KDF ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const r of result.rows) {
    lines.push(
      `| ${r.payload} | ${r.bytes} | ${r.matrixK} | ${(r.changeRate * 100).toFixed(3)}% | ` +
        `${r.baselineMs.toFixed(0)} | ${r.embedMs.toFixed(0)} | ${r.embedRatio.toFixed(2)}× | ` +
        `${r.extractMs.toFixed(0)} | ${r.extractRatio.toFixed(2)}× | ${r.kdfMs.toFixed(0)} |`,
    )
  }
  lines.push('', 'Per-run ratios (embed / extract):')
  const list = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ')
  for (const r of result.rows) {
    lines.push(`- ${r.payload}: embed ${list(r.embedRatios)}; extract ${list(r.extractRatios)}`)
  }
  return lines.join('\n')
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const runs = Number(process.env.STEGO_BENCH_RUNS ?? 5)
  const result = await runStegoBench({ runs })
  process.stdout.write(`${formatStegoBench(result)}\n`)
}
