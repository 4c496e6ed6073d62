// The stego codec bound to Node's primitives (node:crypto, node:zlib, native argon2id): what the
// CLI, the tests and the benchmarks call. The codec itself is create-codec.ts; the browser builds
// its own over primitives-browser.ts (web/src/stego), so nothing here reaches the browser.
import { createCodec } from './create-codec.ts'
import { nodePrimitives } from './primitives-node.ts'

export * from './create-codec.ts'

export const nodeCodec = createCodec(nodePrimitives)

export const { embed, extract, startKeys } = nodeCodec
