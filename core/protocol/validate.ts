// Parsing and validating raw client frames: the one place raw JSON from a client is parsed.
import { type ChatError, coreErrors } from '#core/errors'
import { compile } from '#core/schema/validator'
import { CLIENT_FRAME_TYPES, type ClientFrame, type ClientFrameType, ClientFrames } from './messages.ts'

type FrameChecker = ReturnType<typeof compile>

/**
 * Each frame type's validator, compiled when first needed: compiling all of them costs more than the
 * rest of the hub's start-up, and `warmFrameCheckers` does it after the hub listens.
 */
const checkers = new Map<ClientFrameType, FrameChecker>()
const FRAME_TYPES: ReadonlySet<string> = new Set(CLIENT_FRAME_TYPES)

const checkerFor = (type: ClientFrameType): FrameChecker => {
  let checker = checkers.get(type)
  if (!checker) {
    checker = compile(ClientFrames[type])
    checkers.set(type, checker)
  }
  return checker
}

/** Compile the frame validators not compiled yet, one per event-loop turn (the hub keeps answering). */
export const warmFrameCheckers = (): void => {
  const next = CLIENT_FRAME_TYPES.find((type) => !checkers.has(type))
  if (next === undefined) return
  checkerFor(next)
  setImmediate(warmFrameCheckers).unref()
}

export type ParseResult =
  | { ok: true; frame: ClientFrame }
  /** `type`: the frame's type when it names one, though the rest is wrong. */
  | { ok: false; error: ChatError; ref: string | undefined; type?: ClientFrameType }

const refOf = (value: Record<string, unknown>): string | undefined =>
  typeof value.ref === 'string' && value.ref.length <= 64 ? value.ref : undefined

/** Parse one text frame into a typed client frame, or the error to answer with. */
export const parseClientFrame = (text: string): ParseResult => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, error: coreErrors.frameMalformed(), ref: undefined }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: coreErrors.frameMalformed(), ref: undefined }
  }
  const obj = value as Record<string, unknown>
  const ref = refOf(obj)
  if (typeof obj.type !== 'string') {
    return { ok: false, error: coreErrors.frameInvalid('"type" must be a string naming the frame'), ref }
  }
  if (!FRAME_TYPES.has(obj.type)) {
    return { ok: false, error: coreErrors.frameUnknown(obj.type.slice(0, 32)), ref }
  }
  const type = obj.type as ClientFrameType
  const checker = checkerFor(type)
  if (!checker.check(obj)) return { ok: false, error: coreErrors.frameInvalid(checker.problems().join('; ')), ref, type }
  return { ok: true, frame: obj as ClientFrame }
}
