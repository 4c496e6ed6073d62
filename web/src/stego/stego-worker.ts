// The stego Web Worker: runs stego-ops.ts off the page's thread (argon2id alone takes a good part of
// a second), one request at a time. The passphrase and the text come from the page and go nowhere
// else: this worker makes no request of any kind.
import { ChatError } from '#core/errors'
import { decodeWithBitmap } from './bitmap.ts'
import type { StegoFailure, StegoRequest, StegoResponse } from './protocol.ts'
import { createStegoOps } from './stego-ops.ts'

/** Progress reports are coalesced: at most one per this many ms, plus every phase's start and end. */
const PROGRESS_MS = 100

const ops = createStegoOps({ decodeOther: decodeWithBitmap })

// The DOM typings describe the page's `postMessage`; a dedicated worker's takes the same options.
const send = (response: StegoResponse, transfer: Transferable[] = []) =>
  postMessage(response, { transfer })

/** The codec's refusals keep their code; anything else (a bug, memory running out) is internal. */
const failure = (err: unknown): StegoFailure => {
  if (err instanceof ChatError) return { code: err.code, message: err.message, status: err.status }
  const why = err instanceof Error ? err.message : String(err)
  return {
    code: 'CHATHUB_INTERNAL',
    message: `The picture could not be processed in this browser (${why}).`,
    status: 500,
  }
}

const run = async (request: StegoRequest): Promise<void> => {
  const { id } = request
  let last = 0
  const onProgress = (fraction: number, phase: string) => {
    const now = performance.now()
    if (fraction > 0 && fraction < 1 && now - last < PROGRESS_MS) return
    last = now
    send({ id, kind: 'progress', fraction, phase })
  }
  const file = new Uint8Array(request.file)
  try {
    switch (request.op) {
      case 'capacity':
        return send({ id, kind: 'result', op: 'capacity', result: await ops.capacity(file) })
      case 'analyze':
        return send({ id, kind: 'result', op: 'analyze', result: await ops.analyze(file) })
      case 'hide': {
        const result = await ops.hide(file, request.text, request.passphrase, onProgress)
        return send({ id, kind: 'result', op: 'hide', result }, [result.png])
      }
      case 'reveal':
        return send({
          id,
          kind: 'result',
          op: 'reveal',
          result: await ops.reveal(file, request.passphrase, onProgress),
        })
    }
  } catch (err) {
    send({ id, kind: 'error', error: failure(err) })
  }
}

// One at a time, in order: each holds the image and up to 64 MiB of argon2id memory.
let queue = Promise.resolve()
addEventListener('message', (event: MessageEvent<StegoRequest>) => {
  queue = queue.then(() => run(event.data))
})
