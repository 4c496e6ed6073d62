// `chathub db check` on real database files: sound, with a damaged index page, not a database at
// all, missing; and `chathub serve` on the damaged ones (refused when unreadable, started and
// reporting the damage in /healthz when only an index is damaged).
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { DB_FILE } from '#core/db/client'
import { garblePage, indexRootPage, seededDataDir } from '#test/core/damaged-db'
import { json, runCli, tempDir } from '#test/helpers/run-cli'
import { serve, type ServeProcess } from '#test/helpers/serve-process'

interface Report {
  ok: boolean
  problems: string[]
  pendingDeletions: unknown[]
  files: { path: string; mode: string }[]
  error?: { code: string; message: string }
}

/** oclif wraps the error to the terminal width: join its lines before looking for a path. */
const oneLine = (stderr: string) => stderr.replace(/\s*\n\s*›\s*/g, ' ')

const running: ServeProcess[] = []
afterEach(() => {
  for (const p of running.splice(0)) p.proc.kill('SIGKILL')
})

test(
  'db check: a sound database, a damaged index page, a file that is not a database, no database',
  { timeout: 120_000 },
  async () => {
    const sound = seededDataDir(tempDir('chathub-check-'))
    const damaged = tempDir('chathub-check-')
    copyFileSync(sound.file, join(damaged, DB_FILE))
    const { page, pageSize } = indexRootPage(join(damaged, DB_FILE), 'messages_room_seq_unique')
    garblePage(join(damaged, DB_FILE), page, pageSize)
    const notADatabase = tempDir('chathub-check-')
    copyFileSync(sound.file, join(notADatabase, DB_FILE))
    garblePage(join(notADatabase, DB_FILE), 1, 1024)
    const empty = tempDir('chathub-check-')
    const check = (dataDir: string, ...flags: string[]) =>
      runCli(['db', 'check', '--data-dir', dataDir, ...flags])

    const [ok, okText, bad, badFull, badText, garbage, missing] = await Promise.all([
      check(sound.dataDir, '--json'),
      check(sound.dataDir),
      check(damaged, '--json'),
      check(damaged, '--json', '--full'),
      check(damaged),
      check(notADatabase, '--json'),
      check(empty, '--json'),
    ])
    expect(ok.code, ok.stderr).toBe(0)
    expect(json<Report>(ok)).toMatchObject({ ok: true, problems: [], pendingDeletions: [] })
    const modes = json<Report>(ok).files.map((f) => f.mode)
    expect(modes.length).toBeGreaterThan(0)
    expect(modes.filter((m) => m !== '0600')).toEqual([])
    expect(okText.stdout).toMatch(/chathub\.db: ok \(quick check of \d+ pages/)

    expect(bad.code).toBe(1)
    const report = json<Report>(bad)
    expect(report).toMatchObject({ ok: false, error: { code: 'CHATHUB_STORAGE_CORRUPT' } })
    expect(report.problems.join('\n')).toContain(`page ${page}`)
    expect(json<Report>(badFull)).toMatchObject({
      ok: false,
      error: { code: 'CHATHUB_STORAGE_CORRUPT' },
    })
    expect(badText.code).toBe(1)
    expect(badText.stdout).toContain('DAMAGED')
    expect(badText.stderr).toContain('CHATHUB_STORAGE_CORRUPT')

    expect(garbage.code).toBe(1)
    expect(json<Report>(garbage)).toMatchObject({
      ok: false,
      error: { code: 'CHATHUB_STORAGE_CORRUPT' },
    })
    expect(missing.code).toBe(1)
    expect(json<{ error: { code: string } }>(missing).error.code).toBe('CHATHUB_DATABASE_NOT_FOUND')
  },
)

test(
  'serve on a file that is not a database refuses to start, naming the file and what to do',
  { timeout: 60_000 },
  async () => {
    const { dataDir, file } = seededDataDir(tempDir('chathub-notadb-'), 10)
    garblePage(file, 1, 1024)
    const served = await runCli(['serve', '--port', '0', '--data-dir', dataDir], {
      timeoutMs: 20_000,
    })
    expect(served.code).toBe(1)
    expect(served.stdout).not.toContain('listening')
    const message = oneLine(served.stderr)
    expect(message).toContain('CHATHUB_STORAGE_CORRUPT')
    expect(message).toContain(file)
    expect(message).toContain('chathub db check')
  },
)

test(
  'serve on a damaged index: it starts, then /healthz reports the damage',
  { timeout: 60_000 },
  async () => {
    const { dataDir, file } = seededDataDir(tempDir('chathub-damaged-'))
    const { page, pageSize } = indexRootPage(file, 'messages_room_seq_unique')
    garblePage(file, page, pageSize)
    const hub = await serve({ dataDir })
    running.push(hub)
    const until = Date.now() + 20_000
    for (;;) {
      const res = await fetch(`${hub.url}/healthz`)
      if (res.status === 503) {
        expect(await res.json()).toMatchObject({
          status: 'failing',
          storage: { code: 'CHATHUB_STORAGE_CORRUPT' },
        })
        break
      }
      if (Date.now() > until) throw new Error('/healthz never reported the damage')
      await new Promise((r) => setTimeout(r, 100))
    }
  },
)
