// `chathub stego analyze IN`: classic steganalysis (chi-square, RS, SPA) of an image, so users can
// check a picture before they send it.
import { Args } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { readInput } from '#cli/stego-input'
import type { Analysis } from '#plugins/stego/analysis'

export interface DetectorView {
  detector: 'chi-square' | 'rs' | 'spa'
  statistic: number
  estimatedFraction: number
  /** Counted by the verdict (the same rule: a chi-square alarm needs RS or SPA to corroborate it). */
  suspicious: boolean
  /** Chi-square only: its alarm went off, but neither RS nor SPA saw a trace, so it does not count. */
  uncorroborated?: boolean
  noRealRoot?: boolean
}

export interface AnalyzeView {
  file: string
  width: number
  height: number
  detectors: DetectorView[]
  suspicious: boolean
  verdict: string
  /** Every figure of every detector (chi-square parts with p-values, RS group counts, SPA sets). */
  analysis: Analysis
}

export default class StegoAnalyze extends ChathubCommand {
  static override summary = 'estimate hidden LSB payload in an image (chi-square, RS, sample pairs)'
  static override description =
    'For each detector: its statistic and the estimated share of samples carrying data, then a one-line ' +
    'verdict. Chi-square: the χ² statistic of the leading 10% (p-value in --json); RS: relative regular ' +
    'minus singular groups (Rm − Sm); SPA: the sample-pair estimate. See docs/stego.md.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> out.png',
    '<%= config.bin %> <%= command.id %> out.png --json',
  ]
  static override enableJsonFlag = true
  static override args = { in: Args.string({ description: 'image to analyse', required: true }) }

  async run(): Promise<AnalyzeView> {
    const { args } = await this.parse(StegoAnalyze)
    const { readImage } = await import('#plugins/stego/image-io')
    const { analyze } = await import('#plugins/stego/analysis')
    const { image } = await readImage(readInput(args.in))
    const a = analyze(image)
    const detectors: DetectorView[] = [
      {
        detector: 'chi-square',
        statistic: a.chiSquare.leading10.statistic,
        estimatedFraction: a.chiSquare.estimatedFraction,
        suspicious: a.flags.chiSquare,
        ...(a.chiSquare.suspicious && !a.flags.chiSquare ? { uncorroborated: true } : {}),
      },
      {
        detector: 'rs',
        statistic: a.rs.rm - a.rs.sm,
        estimatedFraction: a.rs.estimatedFraction,
        suspicious: a.flags.rs,
        noRealRoot: a.rs.noRealRoot,
      },
      {
        detector: 'spa',
        statistic: a.spa.estimatedFraction,
        estimatedFraction: a.spa.estimatedFraction,
        suspicious: a.flags.spa,
        noRealRoot: a.spa.noRealRoot,
      },
    ]
    const view: AnalyzeView = {
      file: args.in,
      width: image.width,
      height: image.height,
      detectors,
      suspicious: a.suspicious,
      verdict: a.verdict,
      analysis: a,
    }
    this.log(`${args.in}: ${image.width}×${image.height}`)
    this.log('  detector     statistic   estimated  flag')
    for (const d of detectors) {
      const note = d.noRealRoot
        ? ' (no real root: full payload)'
        : d.uncorroborated
          ? ' (its pattern alone; RS and SPA see no trace, as on noisy or textured photos)'
          : ''
      this.log(
        `  ${d.detector.padEnd(11)} ${d.statistic.toFixed(4).padStart(10)}   ${d.estimatedFraction.toFixed(3).padStart(8)}  ${d.suspicious ? 'SUSPICIOUS' : 'ok'}${note}`,
      )
    }
    this.log(a.verdict)
    return view
  }
}
