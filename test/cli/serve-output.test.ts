// What `chathub serve` prints where: its own messages on stdout, the log on stderr (JSON lines on a
// pipe, readable lines on a terminal) or in log.file. Whole processes of the built CLI.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { readableLine } from '#core/logging/output'
import { CLI_BIN, tempDir } from '#test/helpers/run-cli'
import { serve } from '#test/helpers/serve-process'

const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)

/** Lines the way a log shows them (pino's JSON has "level" and "msg"). */
const logLines = (text: string) => jsonLines(text).filter((l) => 'level' in l && 'msg' in l)

const stopped = async (hub: Awaited<ReturnType<typeof serve>>) => {
  hub.proc.kill('SIGTERM')
  expect(await hub.exited).toEqual({ code: 0, signal: null })
}

test(
  'on pipes, stdout has serve’s own lines only and stderr the JSON log',
  { timeout: 30_000 },
  async () => {
    const hub = await serve({ dataDir: tempDir(), env: { CHATHUB_LOG_LEVEL: 'info' } })
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200)
    await stopped(hub)
    expect(hub.stdout()).toMatch(/^chathub listening on http:\/\/127\.0\.0\.1:\d+$/m)
    expect(hub.stdout()).toContain('Next: add the first user')
    expect(
      hub
        .stdout()
        .split('\n')
        .filter((l) => l.trimStart().startsWith('{')),
    ).toEqual([])
    const logged = logLines(hub.stderr())
    expect(logged.map((l) => l.msg)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Server listening at/), 'shutting down']),
    )
    // Every stderr line is a log line: nothing human-readable is mixed in.
    expect(
      hub
        .stderr()
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('{')),
    ).toEqual([])
  },
)

test(
  'with log.file, the log goes to that file (created with its folder), not to stderr',
  { timeout: 30_000 },
  async () => {
    const dir = tempDir()
    const file = join(dir, 'logs', 'hub.log')
    const hub = await serve({
      dataDir: dir,
      env: { CHATHUB_LOG_LEVEL: 'info', CHATHUB_LOG_FILE: file },
    })
    await stopped(hub)
    expect(logLines(hub.stderr())).toEqual([])
    expect(hub.stdout()).toContain('chathub listening on')
    const inFile = logLines(readFileSync(file, 'utf8'))
    expect(inFile.map((l) => l.msg)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Server listening at/), 'shutting down']),
    )
  },
)

test.skipIf(!existsSync('/usr/bin/script'))(
  'on a terminal, the log is readable lines, not JSON',
  { timeout: 30_000 },
  async () => {
    const dataDir = tempDir()
    // script(1) runs serve on a pseudo-terminal (stdout and stderr both on it).
    const command = [process.execPath, CLI_BIN, 'serve', '--port', '0', '--data-dir', dataDir]
      .map((a) => `'${a}'`)
      .join(' ')
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { ...process.env, CHATHUB_LOG_LEVEL: 'info', NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    try {
      const until = Date.now() + 20_000
      const ready = (text: string) =>
        /^chathub listening on/m.test(text) && /INFO {2}Server listening at/.test(text)
      while (!ready(out.replace(/\r/g, '')) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 50))
      }
      const text = out.replace(/\r/g, '')
      expect(text).toMatch(/^chathub listening on http:\/\/127\.0\.0\.1:\d+$/m)
      expect(text).toMatch(
        /^\d\d:\d\d:\d\d INFO {2}Server listening at http:\/\/127\.0\.0\.1:\d+$/m,
      )
      expect(text).not.toMatch(/^\{"level"/m)
    } finally {
      if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM')
      await exited
    }
  },
)

test('a readable line: time, level, message, fields, and an error’s stack indented', () => {
  const time = new Date(2026, 0, 2, 12, 4, 31).getTime()
  expect(
    readableLine(
      JSON.stringify({
        level: 30,
        time,
        pid: 1,
        hostname: 'h',
        msg: 'plugin loaded',
        plugin: 'totp',
        version: '1.0.0',
      }),
    ),
  ).toBe('12:04:31 INFO  plugin loaded  plugin=totp version=1.0.0\n')
  const err = { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x (y.ts:1:1)' }
  expect(
    readableLine(
      JSON.stringify({
        level: 50,
        time,
        msg: 'plugin hook failed',
        plugin: 'dice',
        err,
        req: { id: 1 },
      }),
    ),
  ).toBe(
    '12:04:31 ERROR plugin hook failed  plugin=dice req={"id":1}\n    Error: boom\n        at x (y.ts:1:1)\n',
  )
  expect(readableLine('not json')).toBe('not json\n')
})
