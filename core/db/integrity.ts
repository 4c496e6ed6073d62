// Checking the database file for damage. `PRAGMA quick_check` walks every b-tree page (tables and
// indexes) and finds malformed pages, but not an index whose entries disagree with its table;
// `PRAGMA integrity_check` also compares them and takes much longer (https://sqlite.org/pragma.html).
// The hub runs the quick check once at start on a worker thread with its own read-only connection,
// so a large database neither delays readiness nor stalls the event loop.
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { Sqlite } from './client.ts'

export type CheckMode = 'quick' | 'full'

/** At most this many problems are listed (SQLite stops looking after them). */
export const MAX_PROBLEMS = 100

/** The problems the check finds; an empty list means the file is sound. */
export const checkIntegrity = (sqlite: Sqlite, mode: CheckMode = 'quick'): string[] => {
  const pragma = mode === 'full' ? 'integrity_check' : 'quick_check'
  return problemLines(
    sqlite.pragma(`${pragma}(${MAX_PROBLEMS})`, { simple: false }) as Record<string, unknown>[],
  )
}

/** SQLite answers "ok", or one row per problem (some rows hold several lines). */
const problemLines = (rows: Record<string, unknown>[]): string[] =>
  rows
    .flatMap((row) => String(Object.values(row)[0] ?? '').split('\n'))
    .map((line) => line.trim())
    .filter((line) => line !== '' && line !== 'ok' && !line.startsWith('*** in database'))

// Plain CommonJS evaluated in the worker, so it needs no TypeScript loader. The same filtering as
// problemLines, repeated because the worker cannot import this module.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop())
  require('node:os').setPriority(tid, 19)
} catch {}
let problems
try {
  const Database = require(workerData.module)
  const db = new Database(workerData.file, { readonly: true, fileMustExist: true, timeout: 5000 })
  try {
    problems = db.pragma('quick_check(' + workerData.max + ')')
      .flatMap((row) => String(Object.values(row)[0] ?? '').split('\\n'))
      .map((line) => line.trim())
      .filter((line) => line !== '' && line !== 'ok' && !line.startsWith('*** in database'))
  } finally {
    db.close()
  }
} catch (err) {
  // Only an answer about the file counts; failing to open it read-only (busy, no -shm) says nothing.
  const code = String(err && err.code)
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') problems = [String(err.message)]
}
if (problems) parentPort.postMessage(problems)
`

export interface BackgroundCheck {
  /** Stop a check still running (the hub closes). */
  stop(): Promise<void>
}

/** Run the quick check of `file` on a low-priority worker thread; `done` gets its problems. */
export const startIntegrityCheck = (
  file: string,
  done: (problems: string[]) => void,
): BackgroundCheck => {
  const module = createRequire(import.meta.url).resolve('better-sqlite3')
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { module, file, max: MAX_PROBLEMS },
  })
  worker.unref()
  worker.once('message', (problems: string[]) => done(problems))
  // A worker that cannot start (out of memory, threads disabled) says nothing about the file.
  worker.once('error', () => undefined)
  return {
    stop: async () => {
      await worker.terminate()
    },
  }
}
