// Run the `chathub` CLI as a user would: a child process of cli/bin/run.js, in a temp working directory,
// with a clean CHATHUB_* environment (plus what the test sets) and optional stdin.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll } from 'vitest'

export const CLI_BIN = fileURLToPath(new URL('../../cli/bin/run.js', import.meta.url))

export interface CliOptions {
  /** Written to stdin, which is then closed (stdin is an empty pipe without it). */
  input?: string
  /** Added to a copy of process.env from which every CHATHUB_* variable was removed. */
  env?: Record<string, string>
  /** Working directory; a fresh temp dir by default, so no ./chathub.yaml or ./data leaks in. */
  cwd?: string
  timeoutMs?: number
}

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

const childEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CHATHUB_')) env[k] = v
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra }
}

const created: string[] = []
// Registered in every test file that imports this helper (files are isolated).
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A fresh temp dir, removed after the test file. */
export const tempDir = (prefix = 'chathub-cli-'): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  created.push(dir)
  return dir
}

/** A running CLI process whose output is collected; `waitFor` resolves once stdout matches. */
export interface CliProcess {
  child: ChildProcessWithoutNullStreams
  stdout(): string
  stderr(): string
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>
  write(text: string): void
  /** Close stdin and wait for the exit. */
  end(): Promise<CliResult>
  exited: Promise<CliResult>
}

export const startCli = (args: string[], options: CliOptions = {}): CliProcess => {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd ?? tempDir(),
    env: childEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  const watchers = new Set<() => void>()
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
    for (const w of watchers) w()
  })
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000)
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer)
      for (const w of watchers) w()
      resolve({ code, stdout, stderr })
    })
  })
  if (options.input !== undefined) child.stdin.end(options.input)
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    write: (text) => child.stdin.write(text),
    end: () => {
      child.stdin.end()
      return exited
    },
    exited,
    waitFor: (pattern, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(stdout)) {
            cleanup()
            resolve()
          } else if (child.exitCode !== null) {
            cleanup()
            reject(new Error(`exited (${child.exitCode}) before ${pattern}:\n${stdout}\n${stderr}`))
          }
        }
        const timeout = setTimeout(() => {
          cleanup()
          reject(new Error(`no ${pattern} in ${timeoutMs} ms:\n${stdout}\n${stderr}`))
        }, timeoutMs)
        const cleanup = () => {
          clearTimeout(timeout)
          watchers.delete(check)
        }
        watchers.add(check)
        check()
      }),
  }
}

/** Run the CLI to completion: exit code, stdout and stderr. */
export const runCli = (args: string[], options: CliOptions = {}): Promise<CliResult> => {
  const proc = startCli(args, options)
  if (options.input === undefined) proc.child.stdin.end()
  return proc.exited
}

/** Parse a --json answer (stdout), failing with the whole output when it is not JSON. */
export const json = <T = unknown>(result: CliResult): T => {
  try {
    return JSON.parse(result.stdout) as T
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`)
  }
}

/** The error code of a failed --json answer. */
export const errorCode = (result: CliResult): string => json<{ error: { code: string } }>(result).error.code

/** A CHATHUB_HOME holding a session for `user` on `server` (as `chathub login` would write it). */
export const credentialsHome = (server: string, user: string, token: string): Record<string, string> => {
  const home = tempDir('chathub-home-')
  mkdirSync(home, { recursive: true })
  const creds = { server, user, token, expiresAt: null }
  writeFileSync(join(home, 'credentials.json'), JSON.stringify(creds), { mode: 0o600 })
  return { CHATHUB_HOME: home }
}
