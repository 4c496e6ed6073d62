// The messages between the page (stego-client.ts) and the stego worker (stego-worker.ts): one
// request per operation, answered by progress reports and then exactly one result or error.
import type { Analysis } from '#plugins/stego/analysis'
import type { Capacity, Payload } from '#plugins/stego/create-codec'

/** What the page asks; `file` is the picked or downloaded image, moved (transferred) to the worker. */
export type StegoRequest = { id: number } & (
  | { op: 'capacity'; file: ArrayBuffer }
  | { op: 'analyze'; file: ArrayBuffer }
  | { op: 'hide'; file: ArrayBuffer; passphrase: string; text: string }
  | { op: 'reveal'; file: ArrayBuffer; passphrase: string }
)

export type StegoOp = StegoRequest['op']

/** An image as the codec sees it: size, how it was decoded and what it can carry. */
export interface ImageCheck {
  width: number
  height: number
  /** 'png', or the type sniffed from the bytes for pictures decoded by the browser. */
  format: string
  /** A JPEG cover: its 8×8 block grid can betray any change (docs/stego.md); warn. */
  fromJpeg: boolean
  capacity: Capacity
}

/** A picture and its steganalysis verdict (chi-square, RS, sample pairs; plugins/stego/analysis.ts). */
export interface ImageAnalysis extends ImageCheck {
  analysis: Analysis
}

/** The picture with the text hidden in it, and what to show before it is sent. */
export interface HiddenImage extends ImageCheck {
  /** Lossless PNG without metadata: what to upload (as `name.png`). */
  png: ArrayBuffer
  /** UTF-8 bytes of the hidden text. */
  payloadBytes: number
  /** Changed samples / usable samples. */
  changeRate: number
  /** Above capacity.safeBytes: it works, but steganalysis may notice. Warn. */
  overSafe: boolean
  /** Steganalysis of the result, as an analyst would run it on the sent picture. */
  analysis: Analysis
}

export interface StegoResults {
  capacity: ImageCheck
  analyze: ImageAnalysis
  hide: HiddenImage
  /** A text, or a file hidden with `chathub stego embed`. */
  reveal: Payload
}

/** A refusal with the codec's stable code (STEGO_NO_MESSAGE, STEGO_PAYLOAD_TOO_LARGE, ...). */
export interface StegoFailure {
  code: string
  message: string
  status: number
}

export type StegoResponse =
  | { id: number; kind: 'progress'; fraction: number; phase: string }
  | { [Op in StegoOp]: { id: number; kind: 'result'; op: Op; result: StegoResults[Op] } }[StegoOp]
  | { id: number; kind: 'error'; error: StegoFailure }
