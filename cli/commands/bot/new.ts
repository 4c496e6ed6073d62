// `chathub bot new NAME`: scaffold a commented bot script from the template.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Args, Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { ChatError } from '#core/errors'

export default class BotNew extends ChathubCommand {
  static override summary = 'scaffold a bot script from a commented template'
  static override examples = [
    '<%= config.bin %> <%= command.id %> greeter',
    '<%= config.bin %> <%= command.id %> greeter --dir ./bots --json',
  ]
  static override enableJsonFlag = true
  static override args = { name: Args.string({ description: 'bot (account) name', required: true }) }
  static override flags = {
    dir: Flags.string({ summary: 'folder of the bot scripts', default: 'bots' }),
    force: Flags.boolean({ summary: 'overwrite an existing file' }),
  }

  async run(): Promise<{ name: string; file: string }> {
    const { args, flags } = await this.parse(BotNew)
    const { botTemplate, configSnippet } = await import('#plugins/bots/template')
    if (!/^[a-z0-9][a-z0-9._-]{0,31}$/.test(args.name)) {
      throw new ChatError('CHATHUB_INPUT_INVALID', `"${args.name}" is not a valid bot name (1-32 of a-z, 0-9, ".", "_", "-").`)
    }
    const file = join(resolve(flags.dir), `${args.name}.ts`)
    if (existsSync(file) && !flags.force) {
      throw new ChatError('BOTS_FILE_EXISTS', `${file} exists; pick another name or pass --force.`)
    }
    mkdirSync(resolve(flags.dir), { recursive: true })
    writeFileSync(file, botTemplate(args.name))
    this.log(`wrote ${file}`)
    this.log(`try it:  chathub bot test ${file} --say "hello ${args.name}"`)
    this.log('enable it in the config:')
    this.log(configSnippet(args.name, `${args.name}.ts`))
    return { name: args.name, file }
  }
}
