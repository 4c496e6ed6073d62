// A real IRC daemon for the bridge tests: ngircd (Debian package) in the foreground (`-n -f conf`)
// with a generated config on a free 127.0.0.1 port; stop/start keep the port (daemon restart tests).
// With `tls: true` it also listens with TLS on a second port, with a self-signed certificate made
// by openssl for this run (CN=localhost, SAN localhost and 127.0.0.1).
import { type ChildProcess, spawn } from 'node:child_process'
import { accessSync, chmodSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { selfSignedCert } from './self-signed.ts'

const CANDIDATES = ['/usr/sbin/ngircd', '/usr/local/sbin/ngircd', '/usr/bin/ngircd']

/** The ngircd binary, or undefined when it is not installed. */
export const ngircdPath = ((): string | undefined => {
  for (const path of CANDIDATES) {
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // next candidate
    }
  }
  return undefined
})()

/**
 * Whether IRC tests can run. Without ngircd they are skipped with a notice, except under CI=true,
 * where a missing daemon fails the run.
 */
export const ircAvailable = (): boolean => {
  if (ngircdPath) return true
  const notice =
    'ngircd is not installed: IRC bridge tests skipped. Install it with `sudo apt-get install ngircd`.'
  if (process.env.CI === 'true') throw new Error(`${notice} (CI=true: failing instead of skipping)`)
  process.stderr.write(`\n[notice] ${notice}\n`)
  return false
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      const port = typeof address === 'object' && address ? address.port : 0
      srv.close(() => resolve(port))
    })
  })

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port })
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })

export interface Ngircd {
  host: string
  port: number
  /** Server name, as in the config. */
  name: string
  /** The TLS port (`startNgircd({ tls: true })` only). */
  tlsPort?: number
  /** The self-signed certificate (PEM) of the TLS port: trust it as the CA (`tls: true` only). */
  certFile?: string
  /** Start (again) on the same port; resolves once it accepts connections. */
  start(): Promise<void>
  /** Stop the daemon (SIGTERM, then SIGKILL) and wait for it to exit. */
  stop(): Promise<void>
  /** stop + remove the temp dir. */
  close(): Promise<void>
  /** What the daemon printed (for debugging failed tests). */
  output(): string
}

/** A self-signed certificate and key in `dir` for 127.0.0.1/localhost, valid one day. */

/**
 * Start ngircd on 127.0.0.1 with penalties off (tests send hundreds of lines quickly); with `tls`,
 * also a TLS port with a fresh self-signed certificate (Debian's ngircd is built with GnuTLS, `+SSL`).
 */
export const startNgircd = async (options: { tls?: boolean } = {}): Promise<Ngircd> => {
  const path = ngircdPath
  if (!path) throw new Error('ngircd is not installed (apt-get install ngircd)')
  const dir = mkdtempSync(join(tmpdir(), 'chathub-ngircd-'))
  chmodSync(dir, 0o755)
  const port = await freePort()
  const tlsPort = options.tls ? await freePort() : undefined
  const cert = options.tls ? selfSignedCert(dir) : undefined
  const name = 'irc.chathub.test'
  const conf = join(dir, 'ngircd.conf')
  writeFileSync(
    conf,
    [
      '[Global]',
      `\tName = ${name}`,
      '\tInfo = chathub test daemon',
      '\tAdminInfo1 = chathub tests',
      '\tAdminInfo2 = localhost',
      '\tAdminEMail = tests@localhost',
      '\tListen = 127.0.0.1',
      `\tPorts = ${port}`,
      '\tMotdPhrase = "chathub test"',
      '[Limits]',
      '\tMaxConnectionsIP = 0',
      '\tMaxJoins = 0',
      '\tMaxNickLength = 30',
      // Penalties off: the tests flood on purpose; the bridge's own send queue is what is tested.
      '\tMaxPenaltyTime = 0',
      '\tPingTimeout = 120',
      '\tPongTimeout = 20',
      '[Options]',
      '\tDNS = no',
      '\tIdent = no',
      '\tPAM = no',
      ...(cert && tlsPort
        ? [
            '[SSL]',
            `\tCertFile = ${cert.certFile}`,
            `\tKeyFile = ${cert.keyFile}`,
            `\tPorts = ${tlsPort}`,
          ]
        : []),
      '',
    ].join('\n'),
  )
  chmodSync(conf, 0o644)
  let child: ChildProcess | undefined
  let out = ''

  const start = async (): Promise<void> => {
    const proc = spawn(path, ['-n', '-f', conf], { stdio: ['ignore', 'pipe', 'pipe'] })
    child = proc
    proc.stdout?.on('data', (d: Buffer) => (out += d.toString()))
    proc.stderr?.on('data', (d: Buffer) => (out += d.toString()))
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`ngircd exited (${proc.exitCode}):\n${out}`)
      if ((await canConnect(port)) && (tlsPort === undefined || (await canConnect(tlsPort)))) return
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error(`ngircd did not listen on ${port} in 10 s:\n${out}`)
  }

  const stop = async (): Promise<void> => {
    const proc = child
    child = undefined
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => proc.kill('SIGKILL'), 3000)
      proc.once('exit', () => {
        clearTimeout(kill)
        resolve()
      })
      proc.kill('SIGTERM')
    })
  }

  await start()
  return {
    host: '127.0.0.1',
    port,
    name,
    ...(tlsPort ? { tlsPort, certFile: cert?.certFile } : {}),
    start,
    stop,
    async close() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
    output: () => out,
  }
}
