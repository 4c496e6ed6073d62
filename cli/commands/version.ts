// `chathub version`: print the version (a smoke test of the CLI wiring).
import { Command } from '#oclif'

export default class Version extends Command {
  static override summary = 'print the chathub version'
  static override enableJsonFlag = true

  async run(): Promise<{ version: string }> {
    this.log(this.config.version)
    return { version: this.config.version }
  }
}
