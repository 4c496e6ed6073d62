// Steganalysis of LSB embedding on raw pixels: the chi-square attack (Westfeld & Pfitzmann 1999),
// RS analysis (Fridrich, Goljan & Du 2001) and sample-pair analysis (Dumitrescu, Wu & Wang 2003).
import { assertRawImage, type RawImage } from './raw-image.ts'

export interface ChiSquarePart {
  /** Share of the colour samples (in scan order) the test looked at. */
  fraction: number
  statistic: number
  degreesOfFreedom: number
  /** Probability of embedding: P(χ² ≥ statistic) under "pairs of values equalised". */
  pValue: number
}

export interface ChiSquareResult {
  whole: ChiSquarePart
  /** Leading 5% and 10% of the samples: where sequential tools write first. */
  leading5: ChiSquarePart
  leading10: ChiSquarePart
  /** Longest leading share (in 5% steps) whose p-value stays ≥ 0.5: the sequentially filled part. */
  estimatedFraction: number
  suspicious: boolean
}

export interface RsResult {
  /** Relative counts of regular / singular groups under masks M = [0,1,1,0] and −M. */
  rm: number
  sm: number
  rmNeg: number
  smNeg: number
  /** Estimated share of samples carrying message bits (LSB replacement), in [0, 1]. */
  estimatedFraction: number
  /** The quadratic had no real root: reported as a full payload. */
  noRealRoot: boolean
  suspicious: boolean
}

export interface SpaResult {
  pairs: number
  x: number
  y: number
  z: number
  w: number
  estimatedFraction: number
  noRealRoot: boolean
  suspicious: boolean
}

export interface Analysis {
  chiSquare: ChiSquareResult
  rs: RsResult
  spa: SpaResult
  /**
   * Which detectors the verdict counts as flagging. A chi-square alarm counts only when RS or SPA
   * corroborates it, so `flags.chiSquare` can be false while `chiSquare.suspicious` (the attack's
   * own alarm) is true.
   */
  flags: { chiSquare: boolean; rs: boolean; spa: boolean }
  /** Some detector is flagged. */
  suspicious: boolean
  verdict: string
}

/**
 * Thresholds on the estimated fraction. On natural covers RS and SPA estimates scatter within a
 * few hundredths of 0 (Fridrich et al. report ±0.02–0.05; Ker, "Quantitative evaluation of pairs
 * and RS steganalysis", 2004), so 0.1 leaves a margin against false alarms.
 */
export const FRACTION_THRESHOLD = 0.1
/** RS or SPA estimate above which a chi-square alarm is believed. */
export const CORROBORATE = 0.05
/** The chi-square attack flags a leading part whose p-value is above this. */
export const CHI_P_THRESHOLD = 0.95

// ---- chi-square -------------------------------------------------------------------------------

/** ln Γ(x), Lanczos approximation (g = 7, n = 9), relative error below 1e-13 for x > 0. */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
]
const logGamma = (x: number): number => {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  x -= 1
  let a = LANCZOS[0]!
  const t = x + 7.5
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (x + i)
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a)
}

/** Regularised upper incomplete gamma Q(s, x): series below s + 1, Lentz continued fraction above. */
const gammaQ = (s: number, x: number): number => {
  if (x <= 0) return 1
  const front = Math.exp(-x + s * Math.log(x) - logGamma(s))
  if (x < s + 1) {
    let sum = 1 / s
    let term = sum
    for (let n = 1; n < 1000; n++) {
      term *= x / (s + n)
      sum += term
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break
    }
    return Math.max(0, 1 - front * sum)
  }
  let b = x + 1 - s
  let c = 1e300
  let d = 1 / b
  let h = d
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - s)
    b += 2
    d = an * d + b
    if (Math.abs(d) < 1e-300) d = 1e-300
    c = b + an / c
    if (Math.abs(c) < 1e-300) c = 1e-300
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < 1e-15) break
  }
  return Math.min(1, front * h)
}

/** Westfeld–Pfitzmann: after full LSB replacement the values 2i and 2i+1 become equally common. */
const chiSquareOf = (histogram: Float64Array, fraction: number): ChiSquarePart => {
  let statistic = 0
  let categories = 0
  for (let i = 0; i < 256; i += 2) {
    const expected = (histogram[i]! + histogram[i + 1]!) / 2
    // categories with too few samples make the χ² approximation meaningless (Westfeld's rule)
    if (expected <= 4) continue
    const diff = histogram[i]! - expected
    statistic += (diff * diff) / expected
    categories++
  }
  const degreesOfFreedom = Math.max(1, categories - 1)
  const pValue = categories < 2 ? 0 : gammaQ(degreesOfFreedom / 2, statistic / 2)
  return { fraction, statistic, degreesOfFreedom, pValue }
}

const colourChannels = (image: RawImage) => Math.min(image.channels, 3)

export const chiSquareAttack = (image: RawImage): ChiSquareResult => {
  assertRawImage(image)
  const { data, channels } = image
  const colours = colourChannels(image)
  const samples = image.width * image.height * colours
  const histogram = new Float64Array(256)
  const steps = 20
  const parts: ChiSquarePart[] = []
  let seen = 0
  let step = 1
  for (let p = 0; p < data.length; p += channels) {
    for (let c = 0; c < colours; c++) histogram[data[p + c]!]!++
    seen += colours
    while (step <= steps && seen >= (samples * step) / steps) {
      parts.push(chiSquareOf(histogram, step / steps))
      step++
    }
  }
  let estimatedFraction = 0
  for (const part of parts) {
    if (part.pValue < 0.5) break
    estimatedFraction = part.fraction
  }
  const leading5 = parts[0]!
  const leading10 = parts[1] ?? leading5
  const whole = parts[parts.length - 1]!
  return {
    whole,
    leading5,
    leading10,
    estimatedFraction,
    suspicious: leading5.pValue > CHI_P_THRESHOLD && leading10.pValue > CHI_P_THRESHOLD,
  }
}

// ---- RS analysis ------------------------------------------------------------------------------

/** Smaller-magnitude real root of a z² + b z + c = 0, or undefined when there is none. */
const smallRoot = (a: number, b: number, c: number): number | undefined => {
  if (Math.abs(a) < 1e-12) return Math.abs(b) < 1e-12 ? undefined : -c / b
  const disc = b * b - 4 * a * c
  if (disc < 0) return undefined
  const sq = Math.sqrt(disc)
  const r1 = (-b + sq) / (2 * a)
  const r2 = (-b - sq) / (2 * a)
  return Math.abs(r1) < Math.abs(r2) ? r1 : r2
}

const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x)

/**
 * RS analysis: groups of 4 horizontally adjacent samples of one channel, smoothness
 * f = Σ|x_{i+1} − x_i|, mask M = [0,1,1,0]. F1 flips the LSB (2i ↔ 2i+1), F−1 shifts the pairing
 * (2i−1 ↔ 2i). R/S count groups that get rougher/smoother. Counted on the image and on the image
 * with every LSB flipped, they give the quadratic of Fridrich, Goljan and Du (2001):
 *   2(d1 + d0) z² + (d−0 − d−1 − d1 − 3 d0) z + d0 − d−0 = 0,   p = z / (z − 1/2)
 * with the root z of smaller magnitude.
 */
export const rsAnalysis = (image: RawImage): RsResult => {
  assertRawImage(image)
  const { data, width, height, channels } = image
  const colours = colourChannels(image)
  // counts[flipped][mask]: [R, S]; mask 0 = M, 1 = −M
  let rm0 = 0
  let sm0 = 0
  let rn0 = 0
  let sn0 = 0
  let rm1 = 0
  let sm1 = 0
  let rn1 = 0
  let sn1 = 0
  let groups = 0
  const f1 = (x: number) => x ^ 1
  const fm1 = (x: number) => (((x + 1) ^ 1) - 1)
  const rough = (a: number, b: number, c: number, d: number) =>
    Math.abs(b - a) + Math.abs(c - b) + Math.abs(d - c)
  for (let y = 0; y < height; y++) {
    const row = y * width * channels
    for (let c = 0; c < colours; c++) {
      for (let x = 0; x + 3 < width; x += 4) {
        const i = row + x * channels + c
        for (let flip = 0; flip < 2; flip++) {
          const a = flip ? data[i]! ^ 1 : data[i]!
          const b = flip ? data[i + channels]! ^ 1 : data[i + channels]!
          const cc = flip ? data[i + 2 * channels]! ^ 1 : data[i + 2 * channels]!
          const d = flip ? data[i + 3 * channels]! ^ 1 : data[i + 3 * channels]!
          const f = rough(a, b, cc, d)
          const fm = rough(a, f1(b), f1(cc), d)
          const fn = rough(a, fm1(b), fm1(cc), d)
          if (flip) {
            if (fm > f) rm1++
            else if (fm < f) sm1++
            if (fn > f) rn1++
            else if (fn < f) sn1++
          } else {
            if (fm > f) rm0++
            else if (fm < f) sm0++
            if (fn > f) rn0++
            else if (fn < f) sn0++
          }
        }
        groups++
      }
    }
  }
  const g = Math.max(1, groups)
  const d0 = (rm0 - sm0) / g
  const d1 = (rm1 - sm1) / g
  const dn0 = (rn0 - sn0) / g
  const dn1 = (rn1 - sn1) / g
  const z = smallRoot(2 * (d1 + d0), dn0 - dn1 - d1 - 3 * d0, d0 - dn0)
  const noRealRoot = z === undefined || Math.abs(z - 0.5) < 1e-12
  const estimatedFraction = noRealRoot ? 1 : clamp01(z / (z - 0.5))
  return {
    rm: rm0 / g,
    sm: sm0 / g,
    rmNeg: rn0 / g,
    smNeg: sn0 / g,
    estimatedFraction,
    noRealRoot,
    suspicious: estimatedFraction > FRACTION_THRESHOLD,
  }
}

// ---- sample-pair analysis ---------------------------------------------------------------------

/**
 * Sample-pair analysis on horizontally adjacent samples (u, v) of one channel:
 * X = {v even, u < v} ∪ {v odd, u > v}, Z = {u = v}, W = {⌊u/2⌋ = ⌊v/2⌋, u ≠ v}, Y = the rest of
 * u ≠ v. In natural images |X| ≈ |Y|; LSB replacement at rate p breaks that, and p solves
 *   (|W| + |Z|)/2 · p² + (2|X| − |P|) p + |Y| − |X| = 0   (smaller root).
 */
export const samplePairAnalysis = (image: RawImage): SpaResult => {
  assertRawImage(image)
  const { data, width, height, channels } = image
  const colours = colourChannels(image)
  let x = 0
  let z = 0
  let w = 0
  let pairs = 0
  for (let row = 0; row < height; row++) {
    const start = row * width * channels
    for (let c = 0; c < colours; c++) {
      for (let col = 0; col + 1 < width; col++) {
        const i = start + col * channels + c
        const u = data[i]!
        const v = data[i + channels]!
        if (u === v) z++
        else {
          if ((v & 1) === 0 ? u < v : u > v) x++
          if (u >> 1 === v >> 1) w++
        }
        pairs++
      }
    }
  }
  const y = pairs - x - z
  const root = pairs > 0 ? smallRootMin((w + z) / 2, 2 * x - pairs, y - x) : 0
  const noRealRoot = root === undefined
  const estimatedFraction = root === undefined ? 1 : clamp01(root)
  return {
    pairs,
    x,
    y,
    z,
    w,
    estimatedFraction,
    noRealRoot,
    suspicious: estimatedFraction > FRACTION_THRESHOLD,
  }
}

/** The smaller real root (as in Dumitrescu et al.), or undefined. */
const smallRootMin = (a: number, b: number, c: number): number | undefined => {
  if (a <= 0) return undefined
  const disc = b * b - 4 * a * c
  if (disc < 0) return undefined
  const sq = Math.sqrt(disc)
  return Math.min((-b + sq) / (2 * a), (-b - sq) / (2 * a))
}

// ---- overall ----------------------------------------------------------------------------------

const percent = (x: number) => `${Math.round(x * 100)}%`

/** All three detectors and a one-line verdict. */
export const analyze = (image: RawImage): Analysis => {
  const chiSquare = chiSquareAttack(image)
  const rs = rsAnalysis(image)
  const spa = samplePairAnalysis(image)
  // On its own the chi-square attack alarms on noisy or textured covers (their histograms are
  // smooth, so pairs of values look equalised); it counts only when RS or SPA also sees a trace.
  const corroborated = Math.max(rs.estimatedFraction, spa.estimatedFraction) > CORROBORATE
  const flags = { chiSquare: chiSquare.suspicious && corroborated, rs: rs.suspicious, spa: spa.suspicious }
  const flagged = [
    flags.chiSquare && `chi-square (leading ${percent(chiSquare.estimatedFraction)})`,
    flags.rs && `RS (${rs.noRealRoot ? 'full payload' : percent(rs.estimatedFraction)})`,
    flags.spa && `SPA (${spa.noRealRoot ? 'full payload' : percent(spa.estimatedFraction)})`,
  ].filter((s): s is string => typeof s === 'string')
  const suspicious = flagged.length > 0
  const verdict = suspicious
    ? `suspicious: LSB replacement likely, flagged by ${flagged.join(', ')}`
    : `clean: no LSB-replacement signature (RS ${percent(rs.estimatedFraction)}, SPA ${percent(spa.estimatedFraction)})`
  return { chiSquare, rs, spa, flags, suspicious, verdict }
}
