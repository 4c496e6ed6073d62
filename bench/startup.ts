// `npm run bench -- startup`: how long whole `chathub` processes take, as users start them (the built
// CLI in dist/), each paired run by run with its yardstick in the same run (`node -e 0`, or a sharp
// decode + PNG encode script for `stego embed`), reported as the median of the paired ratios.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { issueSession } from '#core/auth/session-store'
import { DB_FILE, openDb } from '#core/db/client'
import { createRoom } from '#core/rooms/queries'
import { insertUser } from '#core/users/queries'
import { writePng } from '#plugins/stego/image-io'
import { photoLike } from '#test/plugins/stego/fixtures'
import { median } from './process.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CLI = join(ROOT, 'cli/bin/run.js')
const SHARP_PNG = join(ROOT, 'bench/baselines/sharp-png.mjs')
const NODE = process.execPath
const HISTORY = 1_000_000

interface Timed {
  /** Wall milliseconds from spawn to the end (exit, or /healthz answering). */
  ms: number
}

/** Spawn a command and wait for its exit; a non-zero exit is an error (the bench must measure work that worked). */
const runToExit = (argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<Timed> =>
  new Promise((resolve, reject) => {
    const start = performance.now()
    const child = spawn(NODE, argv, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.once('exit', (code) => {
      const ms = performance.now() - start
      if (code === 0) resolve({ ms })
      else reject(new Error(`${argv.join(' ')} exited ${code}: ${err}`))
    })
  })

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })

const stop = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
    setTimeout(() => child.kill('SIGKILL'), 5000).unref()
  })

/** Start `chathub serve` on a data dir; resolves when /healthz first answers 200, with the child. */
const serveUntilHealthy = async (dataDir: string): Promise<Timed & { child: ChildProcess; url: string }> => {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const start = performance.now()
  const child = spawn(NODE, [CLI, 'serve', '--port', String(port), '--data-dir', dataDir], {
    cwd: dataDir,
    env: { ...process.env, CHATHUB_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode} before /healthz answered`)
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false)
    if (ok) return { ms: performance.now() - start, child, url }
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** A data dir holding one room with `count` messages (cached under bench/_tmp-startup). */
const dataDirWithHistory = (count: number): string => {
  const dir = join(ROOT, `bench/_tmp-startup-${count}`)
  if (existsSync(join(dir, 'ready'))) return dir
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const db = openDb(join(dir, DB_FILE))
  const user = insertUser(db, { name: 'alice', passwordHash: null })
  const room = createRoom(db, { name: 'general', isPrivate: false, topic: '', ownerId: user.id })
  const insert = db.$client.prepare(
    'INSERT INTO messages (room_id, seq, sender_id, txn, text, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  )
  const batch = db.$client.transaction((from: number, to: number) => {
    for (let seq = from; seq < to; seq++) insert.run(room.id, seq, user.id, `t${seq}`, `message number ${seq}`, Date.now())
  }).immediate
  for (let from = 1; from <= count; from += 50_000) batch(from, Math.min(count + 1, from + 50_000))
  db.$client.close()
  writeFileSync(join(dir, 'ready'), '')
  return dir
}

interface Row {
  scenario: string
  runs: number
  ms: number
  baselineMs: number
  ratio: number
  ratios: number[]
  target: string
}

/** Run A and its yardstick B in turn, `runs` times after one warm-up of each; ratios pair by pair. */
const paired = async (
  scenario: string,
  target: string,
  runs: number,
  a: () => Promise<Timed>,
  b: () => Promise<Timed>,
): Promise<Row> => {
  await a()
  await b()
  const as: number[] = []
  const bs: number[] = []
  for (let i = 0; i < runs; i++) {
    as.push((await a()).ms)
    bs.push((await b()).ms)
  }
  const ratios = as.map((x, i) => x / (bs[i] as number))
  return { scenario, runs, ms: median(as), baselineMs: median(bs), ratio: median(ratios), ratios, target }
}

export async function runStartup(opts: { runs: number; only?: string }): Promise<string> {
  const runs = Math.max(3, opts.runs)
  const want = (s: string) => !opts.only || s.includes(opts.only)
  const bare = () => runToExit(['-e', '0'])
  const rows: Row[] = []
  const scratch = mkdtempSync(join(tmpdir(), 'chathub-bench-startup-'))
  try {
    if (want('--version')) {
      rows.push(await paired('chathub --version', '≤ 3×', runs, () => runToExit([CLI, '--version']), bare))
    }
    if (want('rooms')) {
      const dataDir = join(scratch, 'rooms')
      mkdirSync(dataDir)
      const db = openDb(join(dataDir, DB_FILE))
      const token = issueSession(db, insertUser(db, { name: 'alice', passwordHash: null }).id, { ttlMs: 3600_000 }).token
      db.$client.close()
      const hub = await serveUntilHealthy(dataDir)
      const home = join(scratch, 'home')
      mkdirSync(home)
      writeFileSync(join(home, 'credentials.json'), JSON.stringify({ server: hub.url, user: 'alice', token, expiresAt: null }), { mode: 0o600 })
      const env = { ...process.env, CHATHUB_HOME: home }
      try {
        rows.push(await paired('chathub rooms --json (running hub)', '≤ 3×', runs, () => runToExit([CLI, 'rooms', '--json'], env), bare))
      } finally {
        await stop(hub.child)
      }
    }
    const serveRow = async (label: string, dataDir: string) => {
      rows.push(
        await paired(label, '≤ 1 s', runs, async () => {
          const hub = await serveUntilHealthy(dataDir)
          await stop(hub.child)
          return hub
        }, bare),
      )
    }
    if (want('serve, empty')) {
      mkdirSync(join(scratch, 'empty'))
      await serveRow('chathub serve until /healthz, empty data dir', join(scratch, 'empty'))
    }
    if (want(`serve, ${HISTORY}`) || want('serve, 1M')) {
      await serveRow('chathub serve until /healthz, 1 M messages', dataDirWithHistory(HISTORY))
    }
    if (want('stego')) {
      const cover = join(scratch, 'cover.png')
      writeFileSync(cover, await writePng(photoLike({ width: 4000, height: 3000, seed: 12 })))
      const env = { ...process.env, BENCH_PASS: 'correct horse battery staple' }
      const embed = () =>
        runToExit([CLI, 'stego', 'embed', cover, join(scratch, 'out.png'), '--message', 'meet at noon', '--passphrase-env', 'BENCH_PASS', '--force', '--json'], env)
      const yardstick = () => runToExit([SHARP_PNG, cover, join(scratch, 'plain.png')])
      rows.push(await paired('chathub stego embed, 12 MP (vs sharp decode + PNG encode)', '≤ 1.6×', runs, embed, yardstick))
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  const lines = [
    `startup: ${runs} paired runs each, medians; yardstick node -e 0 unless said (${(await bare()).ms.toFixed(0)} ms now)`,
    '',
    '| scenario | median ms | yardstick median ms | ratio (median of pairs) | per-run ratios | target |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.ms.toFixed(0)} | ${r.baselineMs.toFixed(0)} | ${r.ratio.toFixed(2)}× | ${r.ratios.map((x) => x.toFixed(2)).join(', ')} | ${r.target} |`,
    ),
  ]
  return lines.join('\n')
}
