// `chathub stego analyze`: the table's flags follow the verdict's rule. On a noisy image the
// chi-square attack alone goes off (a smooth histogram looks "equalised"), RS and SPA see nothing:
// the verdict is clean, and so is the chi-square row (with why it does not count).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, expect, test } from 'vitest'
import { analyze } from '#plugins/stego/analysis'
import type { RawImage } from '#plugins/stego/codec'
import { writePng } from '#plugins/stego/image-io'
import { json, runCli, tempDir } from '#test/helpers/run-cli'
import { photoLike, seededRandom } from '#test/plugins/stego/fixtures'
import { lsbReplace } from '#test/plugins/stego/lsb-replace'

interface AnalyzeJson {
  detectors: { detector: string; suspicious: boolean; uncorroborated?: boolean }[]
  suspicious: boolean
  verdict: string
}

/**
 * Pixels of pure noise (seeded): a smooth histogram, so the chi-square attack alarms on its own,
 * while RS and SPA see no trace — a clean image the old table flagged SUSPICIOUS.
 */
const noisy = (width: number, height: number): RawImage => {
  const random = seededRandom(5)
  const data = new Uint8Array(width * height * 3).map(() => Math.floor(random() * 256))
  return { data, width, height, channels: 3 }
}

let dir: string
beforeAll(async () => {
  dir = tempDir('chathub-analyze-')
  const clean = noisy(128, 128)
  writeFileSync(join(dir, 'noisy.png'), await writePng(clean))
  writeFileSync(
    join(dir, 'replaced.png'),
    await writePng(lsbReplace(photoLike({ width: 160, height: 120, seed: 1 }), 0.75)),
  )
})

test('the image: the chi-square attack alone alarms, the verdict is clean', () => {
  const a = analyze(noisy(128, 128))
  expect(a.chiSquare.suspicious).toBe(true)
  expect(a.flags).toEqual({ chiSquare: false, rs: false, spa: false })
  expect(a.verdict).toMatch(/^clean/)
})

test('a clean, noisy image: no row says SUSPICIOUS when the verdict says clean', async () => {
  const [text, asJson] = await Promise.all([
    runCli(['stego', 'analyze', 'noisy.png'], { cwd: dir }),
    runCli(['stego', 'analyze', 'noisy.png', '--json'], { cwd: dir }),
  ])
  expect(text.code, text.stderr).toBe(0)
  expect(text.stdout).toMatch(/^clean: /m)
  expect(text.stdout).not.toContain('SUSPICIOUS')
  expect(text.stdout).toMatch(/^ {2}chi-square .* ok \(its pattern alone; RS and SPA see no trace/m)
  const view = json<AnalyzeJson>(asJson)
  expect(view.suspicious).toBe(false)
  expect(view.detectors.map((d) => [d.detector, d.suspicious])).toEqual([
    ['chi-square', false],
    ['rs', false],
    ['spa', false],
  ])
  expect(view.detectors[0]?.uncorroborated).toBe(true)
})

test('flags and verdict agree on a suspicious image too', async () => {
  const r = await runCli(['stego', 'analyze', 'replaced.png', '--json'], { cwd: dir })
  const view = json<AnalyzeJson>(r)
  expect(view.suspicious).toBe(true)
  expect(view.verdict).toMatch(/^suspicious/)
  expect(view.detectors.some((d) => d.suspicious)).toBe(true)
  // Each flagged row is named in the verdict, and only those.
  const named = { 'chi-square': /chi-square/, rs: /\bRS\b/, spa: /\bSPA\b/ } as const
  for (const d of view.detectors)
    expect(named[d.detector as keyof typeof named].test(view.verdict), d.detector).toBe(
      d.suspicious,
    )
})
