// The page's side of the stego worker: one promise per operation, progress as callbacks, refusals as
// ChatError with the codec's codes. Load it lazily, so the codec stays out of the initial bundle:
//   const { StegoClient } = await import('./stego/stego-client.ts')
import { ChatError } from '#core/errors'
import type { Payload } from '#plugins/stego/create-codec'
import type {
  HiddenImage,
  ImageAnalysis,
  ImageCheck,
  StegoRequest,
  StegoResponse,
} from './protocol.ts'

export type { HiddenImage, ImageAnalysis, ImageCheck } from './protocol.ts'
export type { Payload } from '#plugins/stego/create-codec'

/** A picked file, a downloaded attachment or bytes; never modified (the worker gets a copy). */
export type PictureInput = Blob | ArrayBuffer | Uint8Array

export interface StegoCallOptions {
  /** Phases: 'kdf' (argon2id), 'embed' or 'extract', 'encode', 'analyze'; fraction in [0, 1]. */
  onProgress?: (fraction: number, phase: string) => void
}

type Result = Extract<StegoResponse, { kind: 'result' }>

interface Pending {
  resolve(response: Result): void
  reject(err: Error): void
  onProgress: StegoCallOptions['onProgress']
}

const bufferOf = async (input: PictureInput): Promise<ArrayBuffer> =>
  input instanceof Blob
    ? input.arrayBuffer()
    : input instanceof ArrayBuffer
      ? input.slice(0)
      : input.slice().buffer

const unexpected = () =>
  new ChatError('CHATHUB_INTERNAL', 'The stego worker answered out of turn.', 500)

/**
 * Hides and reveals text in pictures, in a Web Worker started on first use. The passphrase and the
 * text go to that worker only; nothing is sent anywhere. close() stops it (and frees its memory).
 */
export class StegoClient {
  private worker: Worker | undefined
  private nextId = 1
  private readonly pending = new Map<number, Pending>()

  /** Size, format and capacity of a picture: show maxBytes, and warn above safeBytes. */
  async capacity(file: PictureInput): Promise<ImageCheck> {
    const response = await this.post(
      { id: this.nextId++, op: 'capacity', file: await bufferOf(file) },
      {},
    )
    if (response.op !== 'capacity') throw unexpected()
    return response.result
  }

  /** capacity() and the steganalysis verdict of a picture as it is. */
  async analyze(file: PictureInput): Promise<ImageAnalysis> {
    const response = await this.post(
      { id: this.nextId++, op: 'analyze', file: await bufferOf(file) },
      {},
    )
    if (response.op !== 'analyze') throw unexpected()
    return response.result
  }

  /** Hide `text` in a copy of the picture: a PNG to send, with the verdict on it. */
  async hide(
    file: PictureInput,
    text: string,
    passphrase: string,
    opts: StegoCallOptions = {},
  ): Promise<HiddenImage> {
    const response = await this.post(
      { id: this.nextId++, op: 'hide', file: await bufferOf(file), passphrase, text },
      opts,
    )
    if (response.op !== 'hide') throw unexpected()
    return response.result
  }

  /** The text (or file) hidden under `passphrase`; STEGO_NO_MESSAGE when there is none. */
  async reveal(
    file: PictureInput,
    passphrase: string,
    opts: StegoCallOptions = {},
  ): Promise<Payload> {
    const response = await this.post(
      { id: this.nextId++, op: 'reveal', file: await bufferOf(file), passphrase },
      opts,
    )
    if (response.op !== 'reveal') throw unexpected()
    return response.result
  }

  /** Stop the worker; calls under way fail with an AbortError. The next call starts a new one. */
  close(): void {
    this.stop(new DOMException('The stego worker was stopped.', 'AbortError'))
  }

  /** Send `request`, its picture moved (transferred), not copied; resolves with the result. */
  private post(request: StegoRequest, opts: StegoCallOptions): Promise<Result> {
    const worker = this.start()
    return new Promise<Result>((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject, onProgress: opts.onProgress })
      worker.postMessage(request, [request.file])
    })
  }

  private start(): Worker {
    if (this.worker) return this.worker
    // Vite bundles the worker and its module graph (the codec, hash-wasm, fast-png) on its own.
    const worker = new Worker(new URL('./stego-worker.ts', import.meta.url), {
      type: 'module',
      name: 'stego',
    })
    worker.addEventListener('message', (event: MessageEvent<StegoResponse>) =>
      this.receive(event.data),
    )
    const broken = (event: Event) => {
      event.preventDefault()
      this.stop(new ChatError('CHATHUB_INTERNAL', 'The stego worker failed in this browser.', 500))
    }
    worker.addEventListener('error', broken)
    worker.addEventListener('messageerror', broken)
    this.worker = worker
    return worker
  }

  private receive(response: StegoResponse): void {
    const pending = this.pending.get(response.id)
    if (!pending) return
    if (response.kind === 'progress') return pending.onProgress?.(response.fraction, response.phase)
    this.pending.delete(response.id)
    if (response.kind === 'error') {
      const { code, message, status } = response.error
      pending.reject(new ChatError(code, message, status))
    } else pending.resolve(response)
  }

  /** Terminate the worker and fail every call under way with `err`. */
  private stop(err: Error): void {
    this.worker?.terminate()
    this.worker = undefined
    for (const pending of this.pending.values()) pending.reject(err)
    this.pending.clear()
  }
}
