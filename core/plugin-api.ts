// The single curated list of what plugins may import from the core.
export { definePlugin } from './plugins/contract.ts'
export type {
  Awaitable,
  Caller,
  ChatCommand,
  ChatPlugin,
  JoinEvent,
  MessageEvent,
  PluginContext,
  PluginHooks,
  PluginRuntime,
} from './plugins/contract.ts'
export { ChatError, defineError } from './errors.ts'
export type { Db } from './db/client.ts'
