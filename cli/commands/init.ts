// `chathub init`: write a commented config file with every option and its default, and create the
// data directory with the server key (mode 0600).
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { cliErrors } from '#cli/errors'

export interface InitResult {
  config: string
  dataDir: string
  serverKey: 'created' | 'existing' | 'configured'
  serverKeyFile: string | null
}

export default class Init extends ChathubCommand {
  static override summary =
    'write a commented config file and create the data directory and server key'
  static override description =
    'Writes every option with its description and default, so the file documents itself; the built-in ' +
    "plugins' options follow, commented out (uncomment a plugin's lines to enable it). The server key " +
    'encrypts secrets at rest; back it up with the database.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --config /etc/chathub/chathub.yaml --data-dir /var/lib/chathub',
    '<%= config.bin %> <%= command.id %> --force',
  ]
  static override enableJsonFlag = true
  static override flags = {
    config: Flags.string({ summary: 'config file to write', default: './chathub.yaml' }),
    'data-dir': Flags.string({
      summary: 'data directory to record in the file and create (default ./data)',
    }),
    force: Flags.boolean({ summary: 'overwrite an existing config file' }),
  }

  async run(): Promise<InitResult> {
    const { flags } = await this.parse(Init)
    const { configTemplate } = await import('#cli/config-template')
    const { builtinPlugins } = await import('#plugins/registry')
    const { loadConfig } = await import('#core/config')
    const { loadServerKey } = await import('#core/keys/server-key')

    const file = resolve(flags.config)
    if (existsSync(file) && !flags.force) throw cliErrors.configExists(flags.config)
    const values = flags['data-dir'] ? { dataDir: flags['data-dir'] } : {}
    mkdirSync(dirname(file), { recursive: true })
    // Mode 0600: the file may later hold the server key or other secrets.
    writeFileSync(file, configTemplate(values, builtinPlugins), { mode: 0o600 })
    chmodSync(file, 0o600)
    // Read it back as `serve` will (the environment applies too), so a bad CHATHUB_* value shows now.
    const { config } = loadConfig({ file })

    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
    const key = loadServerKey(config.dataDir, config.serverKey)
    const serverKey = config.serverKey !== '' ? 'configured' : key.created ? 'created' : 'existing'

    this.log(`wrote ${flags.config} (every option with its default, the plugins' commented out; edit what you need)`)
    if (serverKey === 'created')
      this.log(`created the server key ${key.file} (mode 0600; back it up with the database)`)
    if (serverKey === 'existing') this.log(`kept the existing server key ${key.file}`)
    if (serverKey === 'configured')
      this.log('the server key comes from CHATHUB_SERVER_KEY; no key file written')
    this.log('Next:')
    this.log(`  chathub serve --config ${flags.config}`)
    this.log(`  chathub user add alice --admin --config ${flags.config}`)
    return {
      config: file,
      dataDir: resolve(config.dataDir),
      serverKey,
      serverKeyFile: key.file ? resolve(key.file) : null,
    }
  }
}
