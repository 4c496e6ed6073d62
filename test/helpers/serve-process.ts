// The real `chathub serve` as a child process (node cli/bin/run.js serve): resolves once it prints
// "chathub listening on URL", keeps its output, and reports how it exited. For whole-process tests
// (signals, restarts on the same data dir and port).
import { type ChildProcess, spawn } from 'node:child_process'
import { CLI_BIN } from './run-cli.ts'

export interface ServeProcess {
  url: string
  /** The port it bound (for a restart on the same one). */
  port: number
  proc: ChildProcess
  stdout(): string
  stderr(): string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export interface ServeOptions {
  dataDir: string
  /** Default 0 (any free port). */
  port?: number
  host?: string
  /** Added to a copy of process.env without its CHATHUB_* variables. */
  env?: Record<string, string>
  timeoutMs?: number
}

export const serve = (options: ServeOptions): Promise<ServeProcess> => {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('CHATHUB_')),
  )
  const args = ['serve', '--port', String(options.port ?? 0), '--data-dir', options.dataDir]
  if (options.host) args.push('--host', options.host)
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: options.dataDir,
    env: { ...env, NO_COLOR: '1', CHATHUB_LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`serve did not listen in time:\n${out}\n${err}`))
    }, options.timeoutMs ?? 15_000)
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /chathub listening on (https?:\/\/(\S+):(\d+))/.exec(out)
      if (m?.[1] && m[3]) {
        clearTimeout(timer)
        // A wildcard bind is reached through loopback.
        const url = m[1].replace(/\/\/(0\.0\.0\.0|\[::\])/, '//127.0.0.1')
        resolve({
          url,
          port: Number(m[3]),
          proc: child,
          stdout: () => out,
          stderr: () => err,
          exited,
        })
      }
    })
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
    void exited.then(({ code }) => {
      clearTimeout(timer)
      reject(new Error(`serve exited (${code}) before listening:\n${out}\n${err}`))
    })
  })
}

/**
 * Serve `dataDir` on `port` (0: any), retrying while a killed process's port is still being
 * released (a restart on the same port); the process is added to `running` for the test to kill.
 */
export const serveOn = async (dataDir: string, port: number, running: ServeProcess[]): Promise<ServeProcess> => {
  for (let attempt = 0; ; attempt++) {
    try {
      const p = await serve({ dataDir, port })
      running.push(p)
      return p
    } catch (err) {
      if (attempt >= 10 || !/EADDRINUSE|address already in use/i.test(String(err))) throw err
      await new Promise((r) => setTimeout(r, 200))
    }
  }
}
