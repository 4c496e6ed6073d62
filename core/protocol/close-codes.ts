// WebSocket close codes, in a module of their own: clients (the SDK, the CLI) import them without
// the frame schemas, which would load TypeBox into every CLI command.
/** WebSocket close codes the hub uses (1000–1015 from RFC 6455, 4000+ ours). */
export const CloseCodes = {
  normal: 1000,
  goingAway: 1001,
  invalidPayload: 1007,
  tooBig: 1009,
  authFailed: 4001,
  sessionRevoked: 4002,
  originRefused: 4003,
  authTimeout: 4008,
  slowConsumer: 4009,
  tooManyConnections: 4029,
  /** Kept sending far over its frame rate after being refused (limits.messagesPerSecond). */
  frameFlood: 4030,
  idleTimeout: 4010,
} as const
