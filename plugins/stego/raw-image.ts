// The raw pixel buffer every stego function works on, and its validation.
import { stegoErrors } from './errors.ts'

/** 8-bit samples, row-major, channels interleaved: grey, RGB or RGBA. */
export interface RawImage {
  data: Uint8Array
  width: number
  height: number
  channels: 1 | 3 | 4
}

export const assertRawImage = (image: RawImage): void => {
  const { width, height, channels, data } = image
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw stegoErrors.imageInvalid(`bad size ${width}×${height}`)
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw stegoErrors.imageInvalid(`${String(channels)} channels; expected 1, 3 or 4`)
  }
  if (!(data instanceof Uint8Array) || data.length !== width * height * channels) {
    throw stegoErrors.imageInvalid('pixel buffer length does not match width × height × channels')
  }
}
