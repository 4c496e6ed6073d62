// Synthetic photo-like test images for the stego suites: sky gradient, hard-edged shapes,
// fractal texture, a little optical blur and sensor-like noise. Deterministic per seed; no files.
import type { RawImage } from '#plugins/stego/codec'

export interface PhotoOptions {
  width: number
  height: number
  channels?: 1 | 3 | 4
  seed?: number
  /** Standard deviation of the sensor noise in grey levels (default 2). */
  noise?: number
  /** With 4 channels: fraction of pixels made fully transparent (a soft-edged cut-out). */
  transparent?: number
}

/** mulberry32: a tiny seeded PRNG, good enough for test pictures. */
export const seededRandom = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Value noise: a coarse random lattice, bilinearly interpolated, summed over octaves. */
const fractal = (width: number, height: number, rand: () => number, base: number) => {
  const out = new Float32Array(width * height)
  let amp = 1
  let cell = base
  while (cell >= 2) {
    const gw = Math.ceil(width / cell) + 2
    const gh = Math.ceil(height / cell) + 2
    const grid = new Float32Array(gw * gh)
    for (let i = 0; i < grid.length; i++) grid[i] = rand() * 2 - 1
    for (let y = 0; y < height; y++) {
      const gy = y / cell
      const y0 = gy | 0
      const fy = gy - y0
      for (let x = 0; x < width; x++) {
        const gx = x / cell
        const x0 = gx | 0
        const fx = gx - x0
        const i = y0 * gw + x0
        const top = grid[i]! + (grid[i + 1]! - grid[i]!) * fx
        const bottom = grid[i + gw]! + (grid[i + gw + 1]! - grid[i + gw]!) * fx
        out[y * width + x]! += amp * (top + (bottom - top) * fy)
      }
    }
    amp *= 0.55
    cell = Math.floor(cell / 2)
  }
  return out
}

/** A photo-like image: the statistics steganalysis relies on (smooth areas, edges, noise). */
export const photoLike = (opts: PhotoOptions): RawImage => {
  const { width, height } = opts
  const channels = opts.channels ?? 3
  const rand = seededRandom(opts.seed ?? 1)
  const noise = opts.noise ?? 2
  const n = width * height
  const texture = fractal(width, height, rand, Math.max(8, Math.min(64, width >> 3)))
  // scene: sky gradient at the top, textured ground below a wavy horizon, a few discs (objects)
  const horizon = height * (0.35 + rand() * 0.2)
  const discs = Array.from({ length: 4 }, () => ({
    x: rand() * width,
    y: horizon + rand() * (height - horizon),
    r: (0.05 + rand() * 0.12) * Math.min(width, height),
    c: [rand() * 200 + 30, rand() * 200 + 30, rand() * 200 + 30],
  }))
  const colour = [rand() * 40 + 90, rand() * 40 + 110, rand() * 40 + 150]
  const ground = [rand() * 60 + 60, rand() * 60 + 70, rand() * 40 + 30]
  const plane = new Float32Array(n * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x
      const t = texture[p]!
      const h = horizon + Math.sin(x / (width / 7)) * height * 0.03
      let r: number
      let g: number
      let b: number
      if (y < h) {
        const lift = 70 * (1 - y / h) + 12 * t
        r = colour[0]! + lift
        g = colour[1]! + lift
        b = colour[2]! + lift
      } else {
        const depth = (y - h) / height
        r = ground[0]! + 55 * t
        g = ground[1]! + 55 * t + 10 * depth
        b = ground[2]! + 55 * t + 20 * depth
        for (const d of discs) {
          const dx = x - d.x
          const dy = y - d.y
          const dist2 = dx * dx + dy * dy
          if (dist2 < d.r * d.r) {
            const shade = 0.7 + 0.3 * (1 - Math.sqrt(dist2) / d.r)
            r = d.c[0]! * shade + 20 * t
            g = d.c[1]! * shade + 20 * t
            b = d.c[2]! * shade + 20 * t
          }
        }
      }
      plane[p * 3] = r
      plane[p * 3 + 1] = g
      plane[p * 3 + 2] = b
    }
  }
  // optics: a 3-tap horizontal + vertical box blur softens edges like a lens would
  const blurred = new Float32Array(plane.length)
  for (let y = 0; y < height; y++) {
    const ym = Math.max(0, y - 1)
    const yp = Math.min(height - 1, y + 1)
    for (let x = 0; x < width; x++) {
      const xm = Math.max(0, x - 1)
      const xp = Math.min(width - 1, x + 1)
      for (let c = 0; c < 3; c++) {
        blurred[(y * width + x) * 3 + c] =
          (plane[(y * width + x) * 3 + c]! * 4 +
            plane[(y * width + xm) * 3 + c]! +
            plane[(y * width + xp) * 3 + c]! +
            plane[(ym * width + x) * 3 + c]! +
            plane[(yp * width + x) * 3 + c]!) /
          8
      }
    }
  }
  const data = new Uint8Array(n * channels)
  // sensor noise: approximately Gaussian (sum of uniforms), signal-dependent like shot noise
  const gauss = () => rand() + rand() + rand() - 1.5
  const cx = width * (0.3 + rand() * 0.4)
  const cy = height * (0.3 + rand() * 0.4)
  const cutR = Math.sqrt(((opts.transparent ?? 0) * n) / Math.PI)
  const k = noise * 2
  const q = (v: number) => {
    const out = Math.round(v + gauss() * k * (0.6 + v / 320))
    return out < 0 ? 0 : out > 255 ? 255 : out
  }
  for (let p = 0; p < n; p++) {
    const r = blurred[p * 3]!
    const g = blurred[p * 3 + 1]!
    const b = blurred[p * 3 + 2]!
    if (channels === 1) {
      data[p] = q(0.299 * r + 0.587 * g + 0.114 * b)
      continue
    }
    data[p * channels] = q(r)
    data[p * channels + 1] = q(g)
    data[p * channels + 2] = q(b)
    if (channels === 4) {
      const x = p % width
      const y = (p / width) | 0
      const d = Math.sqrt((x - cx) ** 2 + (y - cy) ** 2)
      data[p * 4 + 3] = d < cutR ? 0 : d < cutR + 3 ? 128 : 255
    }
  }
  return { data, width, height, channels }
}

/** Flat, noise-free picture with saturated areas: exercises the 0/255 edges of LSB matching. */
export const flatWithClipping = (width: number, height: number, channels: 1 | 3 | 4 = 3): RawImage => {
  const data = new Uint8Array(width * height * channels)
  for (let p = 0; p < width * height; p++) {
    const v = p % width < width / 2 ? 0 : 255
    for (let c = 0; c < channels; c++) data[p * channels + c] = c === 3 ? 255 : v
  }
  return { data, width, height, channels }
}
