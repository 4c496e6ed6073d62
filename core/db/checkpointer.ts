// WAL checkpoints off the event loop: the hub's own connection never checkpoints (a checkpoint copies
// pages into the database file and would stall every message behind it); a worker thread with its
// own connection runs a PASSIVE checkpoint on an interval, and a TRUNCATE one when the hub closes.
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { Sqlite } from './client.ts'

// Plain CommonJS evaluated in the worker, so it needs no TypeScript loader.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.module)
// Lowest CPU priority for this thread only (Linux applies setpriority to a thread id): on a busy
// core the event loop goes first and checkpoints take the idle time.
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop())
  require('node:os').setPriority(tid, 19)
} catch {}
const db = new Database(workerData.file)
db.pragma('busy_timeout = 5000')
const checkpoint = (mode) => { try { db.pragma('wal_checkpoint(' + mode + ')') } catch {} }
const timer = setInterval(() => checkpoint('PASSIVE'), workerData.intervalMs)
parentPort.on('message', (message) => {
  if (message !== 'close') return
  clearInterval(timer)
  checkpoint('TRUNCATE')
  db.close()
  parentPort.postMessage('closed')
})
`

export interface Checkpointer {
  close(): Promise<void>
}

/** Move checkpoints of `sqlite` (a WAL database file) to a worker thread. */
export const startCheckpointer = (sqlite: Sqlite, intervalMs = 1000): Checkpointer => {
  const module = createRequire(import.meta.url).resolve('better-sqlite3')
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, file: sqlite.name, intervalMs } })
  worker.unref()
  sqlite.pragma('wal_autocheckpoint = 0')
  let failed = false
  worker.once('error', () => {
    // Without the worker, fall back to SQLite's own checkpoints on the hub's connection.
    failed = true
    sqlite.pragma('wal_autocheckpoint = 1000')
  })
  return {
    close: () =>
      failed
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const done = () => {
              void worker.terminate().then(() => resolve())
            }
            worker.once('message', done)
            worker.once('exit', () => resolve())
            worker.postMessage('close')
            setTimeout(done, 5000).unref()
          }),
  }
}
