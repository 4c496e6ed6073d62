// Password hashing with argon2id (OWASP ASVS 5.0 / cheat sheet: m >= 19 MiB, t >= 2, p = 1).
import { hash, verify } from '@node-rs/argon2'

/** @node-rs/argon2's Algorithm.Argon2id (a const enum, which isolated modules cannot import). */
const ARGON2ID = 2

export interface Argon2Params {
  memoryKiB: number
  passes: number
}

export const DEFAULT_ARGON2: Argon2Params = { memoryKiB: 19456, passes: 2 }

export const hashPassword = (password: string, params: Argon2Params = DEFAULT_ARGON2): Promise<string> =>
  hash(password, {
    algorithm: ARGON2ID,
    memoryCost: params.memoryKiB,
    timeCost: params.passes,
    parallelism: 1,
  })

/** A hash of a random password, verified against when the account does not exist (same timing). */
let decoy: Promise<string> | undefined
const decoyHash = () => (decoy ??= hashPassword(`decoy-${Math.random()}`))

export const verifyPassword = async (stored: string | null | undefined, password: string): Promise<boolean> => {
  if (!stored) {
    await verify(await decoyHash(), password).catch(() => false)
    return false
  }
  try {
    return await verify(stored, password)
  } catch {
    return false
  }
}
