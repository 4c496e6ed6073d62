// The bundled plugins, enabled by name in the config. An explicit list: no directory scanning.
import type { PluginRegistry } from '#core/plugin-api'
import bots from './bots/index.ts'
import irc from './irc/index.ts'
import stego from './stego/index.ts'
import totp from './totp/index.ts'
import webhooks from './webhooks/index.ts'

export const builtinPlugins: PluginRegistry = { totp, bots, irc, webhooks, stego }
