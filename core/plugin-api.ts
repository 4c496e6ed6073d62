// The single curated list of what plugins may import from the core.
export { definePlugin } from './plugins/contract.ts'
export type {
  AuthApi,
  Awaitable,
  Caller,
  ChatCommand,
  ChatPlugin,
  CommandAccess,
  CommandDefinition,
  CommandInfo,
  JoinEvent,
  LoginDecision,
  LoginEvent,
  MessageEvent,
  PluginContext,
  PluginHooks,
  PluginRegistry,
  PluginRuntime,
  PluginUser,
  StepUpEvent,
} from './plugins/contract.ts'
export type { SessionUser } from './auth/session-store.ts'
/** How a login hands over its session (`"session": "cookie"` for browsers): a schema for login bodies. */
export { SessionMode } from './web/session-cookies.ts'
/** ctx.hub: the committed event stream, and writes as a plugin's account (docs/plugins.md). */
export { catchUpThenGoLive } from './plugins/hub-api.ts'
export type { HubActor, HubApi } from './plugins/hub-api.ts'
export type { HubEvent, HubEventListener, HubEventType, MembershipEvent, MentionEvent, RoomEvent } from './messages/events.ts'
export type { CatchUpPage, Cursor } from './messages/catch-up.ts'
export type { WriteAck } from './messages/delivery.ts'
export type { SayInput } from './messages/writes.ts'
/** The audit log (hash-chained): plugins write through ctx.audit; the CLI reads and verifies. */
export type { AuditEntry } from './audit/audit-log.ts'
export { ChatError, defineError } from './errors.ts'
/** Retry delays for reconnect and restart loops: doubling, capped, with jitter. */
export { Backoff, backoffDelay, type BackoffOptions } from './backoff.ts'
/** ctx.db: drizzle over the plugin's own tables (no raw handle). */
export type { PluginDb as Db } from './db/client.ts'
/** Every plugin transaction that writes takes the write lock at BEGIN (see its comment). */
export { writeTransaction } from './db/client.ts'
/** Core tables a plugin's schema may reference in foreign keys (never query them: use ctx.auth). */
export { users } from './db/schema/users.ts'
/** Bridges: a network implements BridgeDefinition; BridgeRunner does the hub side (docs/bridges.md). */
export { BridgeOptions, defineBridge, LinkConfig } from './bridges/contract.ts'
export type {
  BridgeCapabilities,
  BridgeConnection,
  BridgeContext,
  BridgeDefinition,
  BridgeOptionsValue,
  InboundEvent,
  LinkInfo,
  OutboundItem,
} from './bridges/contract.ts'
export { bridgeAccountName, checkLinks } from './bridges/runner.ts'
export type { BridgeRunner } from './bridges/runner.ts'
export { bridgeErrors } from './bridges/errors.ts'
export { splitText, correctionLine } from './bridges/text.ts'
