// The bundled plugins, enabled by name in the config. An explicit list: no directory scanning.
import type { PluginRegistry } from '#core/plugins/contract'
import totp from './totp/index.ts'

export const builtinPlugins: PluginRegistry = { totp }
