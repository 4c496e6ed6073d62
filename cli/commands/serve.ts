// `chathub serve`: run the hub (zero config: ./data, 127.0.0.1:8080).
import { isIP } from 'node:net'
import { Flags } from '#oclif'
import { ChathubCommand, dataFlags } from '#cli/base-command'

const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'))

export default class Serve extends ChathubCommand {
  static override summary = 'run the hub'
  static override description =
    'Starts the hub. With no config it keeps its database and server key in ./data and listens on 127.0.0.1:8080. ' +
    'What it tells you goes to stdout; its log goes to stderr (readable lines on a terminal, JSON lines otherwise) ' +
    'or to log.file.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --config ./chathub.yaml',
    '<%= config.bin %> <%= command.id %> --port 9000 --data-dir /var/lib/chathub',
    'CHATHUB_LOG_FILE=/var/log/chathub/hub.log <%= config.bin %> <%= command.id %>',
  ]
  static override flags = {
    ...dataFlags,
    host: Flags.string({ summary: 'address to listen on (overrides server.host)' }),
    port: Flags.integer({ summary: 'port to listen on (overrides server.port)' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Serve)
    // Loaded here, not at the top: oclif imports every command file on each run of `chathub`.
    const { loadConfig } = await import('#core/config')
    const { buildServer } = await import('#core/server')
    const { builtinPlugins } = await import('#plugins/registry')
    const { listUsers } = await import('#core/users/queries')
    const { lockDataDir } = await import('#core/db/data-dir-lock')
    const { purgeDeletedRooms } = await import('#core/db/room-purge')
    const overrides: Record<string, unknown> = {}
    if (flags['data-dir']) overrides.dataDir = flags['data-dir']
    const server: Record<string, unknown> = {}
    if (flags.host) server.host = flags.host
    if (flags.port !== undefined) server.port = flags.port
    if (Object.keys(server).length > 0) overrides.server = server
    const { config, file } = loadConfig({ file: flags.config, overrides })

    // One hub per data directory (a second one would fail every send of both); admin commands are
    // not locked out. The operating system drops the lock when this process ends, however it ends.
    const lock = lockDataDir(config.dataDir)
    let built: Awaited<ReturnType<typeof buildServer>>
    try {
      built = await buildServer({ config, builtins: builtinPlugins })
    } catch (err) {
      lock.release()
      throw err
    }
    const { app, hub, serverKeyCreated, web } = built
    // Released once everything is closed (database included), not before.
    const close = () => app.close().finally(() => lock.release())
    const { host, port } = config.server
    try {
      await app.listen({ host, port })
    } catch (err) {
      await close()
      throw err
    }
    // From here on, SIGTERM or Ctrl-C closes the hub cleanly, even one sent the moment it says it listens.
    const purging = new AbortController()
    const stopped = new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        app.log.info({ signal }, 'shutting down')
        purging.abort()
        close().then(resolve, resolve)
      }
      process.once('SIGTERM', () => stop('SIGTERM'))
      process.once('SIGINT', () => stop('SIGINT'))
    })
    const address = app.server.address()
    const bound = address && typeof address !== 'string' ? address.port : port
    const tls = Boolean(config.server.tlsCert && config.server.tlsKey)
    const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${bound}`
    if (!tls && !isLoopback(host)) {
      app.log.warn({ host }, 'serving plain HTTP on a non-loopback address: configure server.tlsCert/tlsKey or use a TLS proxy')
      this.warn(`serving plain HTTP on ${host}: passwords and messages cross the network unencrypted`)
    }
    await hub.plugins.listening(`${tls ? 'https' : 'http'}://${isLoopback(host) || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${bound}`)
    this.log(`chathub listening on ${url}`)
    this.log(`  config: ${file ?? '(defaults; `chathub init` writes a config file)'}  data: ${config.dataDir}`)
    if (serverKeyCreated) this.log(`  created a server key in ${config.dataDir}/server.key (mode 0600; back it up)`)
    if (web && !web.built) {
      // As for plain HTTP above: one line in the log (with the folder), one for the person who started it.
      app.log.warn({ dir: web.dir }, 'the browser client is not built: run `npm run build` (or `npm install`); / answers 503 until then')
      this.warn('the browser client is not built: run `npm run build` (or `npm install`)')
    }
    if (listUsers(hub.db).length === 0) {
      this.log('Next: add the first user (in another terminal):')
      this.log(`  npx chathub user add alice --admin${flags['data-dir'] ? ` --data-dir ${flags['data-dir']}` : ''}`)
      this.log(`  npx chathub login --server ${url} --user alice`)
    }

    // Room deletions cut short (a `chathub room delete` that was killed) are finished in the
    // background, in the same short batches.
    void purgeDeletedRooms(hub.db, { signal: purging.signal }).then(
      (done) => {
        if (done.rooms > 0) app.log.info({ rooms: done.rooms, rows: done.rows }, 'finished deleting rooms')
      },
      (err: unknown) => app.log.warn({ err }, 'finishing room deletions failed; the next start tries again'),
    )

    await stopped
  }
}
