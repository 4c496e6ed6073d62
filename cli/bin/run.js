#!/usr/bin/env node
// chathub's CLI entry: TypeScript sources run through tsx's loader, then oclif dispatches the command.
// tsx's disk cache is off: it writes cache files non-atomically, and two `chathub` processes starting
// at once could read each other's half-written entries (transpiling afresh costs ~0.1 s).
process.env.TSX_DISABLE_CACHE ??= '1'
const { register } = await import('tsx/esm/api')
register()
const { execute } = await import('@oclif/core')
await execute({ dir: import.meta.url })
