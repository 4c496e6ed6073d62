// The base of every chathub command: shared flags and one error boundary (message, not a stack; --json gets the code).
import { Command, Flags } from '#oclif'
import { chatErrorOf } from '#core/errors'

export abstract class ChathubCommand extends Command {
  static override baseFlags = {}

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    const chat = chatErrorOf(err)
    if (chat) {
      if (this.jsonEnabled()) {
        this.logJson({ error: { code: chat.code, message: chat.message, retryAfter: chat.retryAfter } })
        this.exit(1)
      }
      this.error(chat.message, { code: chat.code, exit: 1 })
    }
    return super.catch(err)
  }
}

/** --config and --data-dir: where the hub's config file and data live (admin commands work on them). */
export const dataFlags = {
  config: Flags.string({ summary: 'config file (YAML)', env: 'CHATHUB_CONFIG' }),
  'data-dir': Flags.string({ summary: 'data directory (database, server key)', env: 'CHATHUB_DATA_DIR' }),
}
