// Keyed permutation of slot indices [0, n): a balanced Feistel network over Z_a × Z_a with
// table round functions, restricted to [0, n) by cycle walking. Allocation-free per index.
import type { StegoPrimitives } from './primitives.ts'

/**
 * Why a Feistel network: Luby and Rackoff (1988) showed four rounds with random round functions
 * give a pseudo-random permutation; Black and Rogaway ("Ciphers with Arbitrary Finite Domains",
 * CT-RSA 2002) show that walking the cycle until the output falls inside [0, n) restricts it to
 * any domain. Working in Z_a × Z_a with a = ceil(sqrt(n)) keeps a² − n < 2a + 1, so a walk almost
 * never takes a second step. Every round input lies in [0, a), so each round function is a table of
 * a uniformly random values cut from an AES-256-CTR keystream: a truly random function sampled
 * from the key, evaluated with one load. We use 6 rounds (more than the 4 of Luby–Rackoff, as
 * Patarin's bounds for small domains ask for more).
 */
export const FEISTEL_ROUNDS = 6

export interface Permutation {
  /** Domain size: indices 0..n-1. */
  readonly n: number
  /** Side of the square domain. */
  readonly a: number
  /** Round tables, FEISTEL_ROUNDS × a entries, each in [0, a). */
  readonly tables: Int32Array
  forward(x: number): number
  inverse(y: number): number
  /** out[j] = inverse(from + j) for j in [0, out.length): the same values, without a call each. */
  inverseRange(from: number, out: Int32Array): void
  /** out[j] = forward(from + j) for j in [0, out.length). */
  forwardRange(from: number, out: Int32Array): void
}

/**
 * A class rather than closures made per permutation: every instance shares one function per
 * method, so that callers' optimised code can inline it for any permutation.
 */
class FeistelPermutation implements Permutation {
  readonly a: number
  readonly tables: Int32Array

  /** `stream`: 4 · FEISTEL_ROUNDS · a bytes of keystream (see feistelPermutation). */
  constructor(
    stream: Uint8Array,
    readonly n: number,
  ) {
    const a = sideOf(n)
    const words = new DataView(stream.buffer, stream.byteOffset, stream.byteLength)
    const tables = new Int32Array(FEISTEL_ROUNDS * a)
    // a uniform 32-bit word (little-endian) scaled to [0, a): bias below a / 2^32, far under any
    // statistic we meet
    for (let i = 0; i < tables.length; i++) {
      tables[i] = Math.floor((words.getUint32(4 * i, true) * a) / 4294967296)
    }
    this.a = a
    this.tables = tables
  }

  /**
   * The network once, on x in [0, a²). Round i maps (l, r) to (r, l + F_i(r) mod a); the sum is
   * below 2a ≤ 2^17, so the reduction is a subtraction and a sign mask, with no branch to mispredict.
   */
  private once(x: number): number {
    const { a, tables } = this
    let l = Math.floor(x / a)
    let r = x - l * a
    for (let i = 0; i < FEISTEL_ROUNDS; i++) {
      let t = l + tables[i * a + r]! - a
      t += (t >> 31) & a
      l = r
      r = t
    }
    return l * a + r
  }

  /** The inverse network once, on y in [0, a²). */
  private onceInverse(y: number): number {
    const { a, tables } = this
    let l = Math.floor(y / a)
    let r = y - l * a
    for (let i = FEISTEL_ROUNDS - 1; i >= 0; i--) {
      let t = r - tables[i * a + l]!
      t += (t >> 31) & a
      r = l
      l = t
    }
    return l * a + r
  }

  forward(x: number): number {
    let y = this.once(x)
    while (y >= this.n) y = this.once(y)
    return y
  }

  inverse(y: number): number {
    let x = this.onceInverse(y)
    while (x >= this.n) x = this.onceInverse(x)
    return x
  }

  inverseRange(from: number, out: Int32Array): void {
    const { a, n, tables } = this
    const rounds = FEISTEL_ROUNDS
    for (let j = 0; j < out.length; j++) {
      let x = from + j
      do {
        // onceInverse, inlined
        let l = Math.floor(x / a)
        let r = x - l * a
        for (let i = rounds - 1; i >= 0; i--) {
          let t = r - tables[i * a + l]!
          t += (t >> 31) & a
          r = l
          l = t
        }
        x = l * a + r
      } while (x >= n)
      out[j] = x
    }
  }

  forwardRange(from: number, out: Int32Array): void {
    const { a, n, tables } = this
    const rounds = FEISTEL_ROUNDS
    for (let j = 0; j < out.length; j++) {
      let x = from + j
      do {
        // once, inlined
        let l = Math.floor(x / a)
        let r = x - l * a
        for (let i = 0; i < rounds; i++) {
          let t = l + tables[i * a + r]! - a
          t += (t >> 31) & a
          l = r
          r = t
        }
        x = l * a + r
      } while (x >= n)
      out[j] = x
    }
  }
}

/** Side of the square domain for n indices. */
const sideOf = (n: number): number => Math.max(2, Math.ceil(Math.sqrt(n)))

type Ctr = Pick<StegoPrimitives, 'aesCtrKeystream'>

/** Build the permutation of [0, n) selected by a 32-byte key (stream 0 of its keystream). */
export const feistelPermutation = async (p: Ctr, key: Uint8Array, n: number): Promise<Permutation> => {
  if (!Number.isInteger(n) || n < 1 || n > 0x7fffffff) throw new RangeError(`bad domain ${n}`)
  return new FeistelPermutation(await keystream(p, key, FEISTEL_ROUNDS * sideOf(n) * 4, 0), n)
}

/**
 * `length` bytes of AES-256-CTR keystream under `key`; `stream` picks an independent stream: it
 * fills the top 32 bits of the counter block, and the low 64 bits count blocks from 0 (never near
 * wrapping: the codec asks for less than 2^31 bytes, 2^27 blocks).
 */
export const keystream = (p: Ctr, key: Uint8Array, length: number, stream: number): Promise<Uint8Array> => {
  const iv = new Uint8Array(16)
  new DataView(iv.buffer).setUint32(0, stream)
  return p.aesCtrKeystream(key, iv, length)
}
