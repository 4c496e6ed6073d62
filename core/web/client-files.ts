// Where the built browser client is: web.dir, or web/dist of the chathub package, found from this
// module whether it runs from the sources (core/web/*.ts) or from the build (dist/core/web/*.js).
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { HubConfig } from '#core/config'

let root: string | undefined

/** The folder of chathub's package.json, walking up from this module. */
export const packageRoot = (): string => {
  if (root !== undefined) return root
  const start = dirname(fileURLToPath(import.meta.url))
  for (let dir = start; ; dir = dirname(dir)) {
    if (isChathubPackage(join(dir, 'package.json'))) return (root = dir)
    if (dirname(dir) === dir) throw new Error(`no chathub package.json above ${start}`)
  }
}

const isChathubPackage = (file: string): boolean => {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'chathub'
  } catch {
    return false
  }
}

/** The folder the client is served from (absolute). */
export const clientDir = (web: HubConfig['web']): string =>
  web.dir === '' ? join(packageRoot(), 'web', 'dist') : resolve(web.dir)

/** Whether the client is built there (its index.html exists). Asked per page load: a build made while the hub runs is served. */
export const clientBuilt = (dir: string): boolean => existsSync(join(dir, 'index.html'))
