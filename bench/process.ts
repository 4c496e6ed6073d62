// Benchmark plumbing: spawn a TypeScript entry pinned to a core, read its JSON lines, read its CPU time and RSS.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TASKSET = existsSync('/usr/bin/taskset') ? '/usr/bin/taskset' : undefined

export interface Proc {
  child: ChildProcess
  /** Resolves with the next JSON line whose `event` matches (or the first line when event is undefined). */
  line<T = Record<string, unknown>>(event?: string): Promise<T>
  stop(): Promise<void>
}

/** Run `node --import tsx FILE ...args`, pinned to `core` with taskset when there is more than one. */
export const start = (file: string, args: string[], core: number, nodeArgs: string[] = []): Proc =>
  startProgram(process.execPath, ['--import', 'tsx', ...nodeArgs, file, ...args], core, file)

/** Run any program, pinned to `core` like `start`, reading its JSON lines the same way. */
export const startProgram = (program: string, argv: string[], core: number, label = program): Proc => {
  const child = TASKSET
    ? spawn(TASKSET, ['-c', String(core), program, ...argv], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(program, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  const lines: Record<string, unknown>[] = []
  const waiters: { event?: string; resolve: (v: Record<string, unknown>) => void }[] = []
  const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  rl.on('line', (text) => {
    let value: Record<string, unknown>
    try {
      value = JSON.parse(text) as Record<string, unknown>
    } catch {
      return
    }
    const i = waiters.findIndex((w) => w.event === undefined || w.event === value.event)
    if (i >= 0) waiters.splice(i, 1)[0]?.resolve(value)
    else lines.push(value)
  })
  return {
    child,
    line<T>(event?: string) {
      const i = lines.findIndex((l) => event === undefined || l.event === event)
      if (i >= 0) return Promise.resolve(lines.splice(i, 1)[0] as T)
      return new Promise<T>((resolve, reject) => {
        waiters.push({ event, resolve: resolve as (v: Record<string, unknown>) => void })
        child.once('exit', (code) => reject(new Error(`${label} exited (${code}) before "${event ?? 'a line'}"`)))
      })
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
        setTimeout(() => child.kill('SIGKILL'), 5000).unref()
      })
    },
  }
}

const CLK_TCK = 100

/** User + system CPU seconds of a process, from /proc/<pid>/stat. */
export const cpuSeconds = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

/** Resident set size in bytes, from /proc/<pid>/status. */
export const rssBytes = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1]
  return Number(kb ?? 0) * 1024
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}
