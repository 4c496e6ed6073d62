// Pictures other than PNG, decoded by the browser itself (createImageBitmap and an OffscreenCanvas,
// both available in a Web Worker). Apart from image.ts, which tests run in Node, for its DOM types.
import { stegoErrors } from '#plugins/stego/errors'
import type { DecodeOther } from './image.ts'

/**
 * A JPEG, WebP, GIF, BMP or AVIF cover through createImageBitmap and an OffscreenCanvas (both work
 * in a Web Worker). Never used for PNGs: a canvas may convert colours and keeps premultiplied alpha,
 * so its samples are not always the stored ones — acceptable for a cover, whose result is a new PNG.
 * The channel layout follows the pixels: RGBA if any is translucent, grey if all are neutral (so a
 * grey picture stays grey: ±1 changes in one channel would show as coloured specks), else RGB.
 */
export const decodeWithBitmap: DecodeOther = async (bytes, maxPixels) => {
  let bitmap: ImageBitmap
  try {
    bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)]), {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
      imageOrientation: 'from-image',
    })
  } catch {
    throw stegoErrors.imageInvalid('this browser cannot decode the picture')
  }
  const { width, height } = bitmap
  if (width * height > maxPixels) {
    bitmap.close()
    throw stegoErrors.imageTooLarge(width * height, maxPixels)
  }
  const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })
  if (!context) throw stegoErrors.imageInvalid('no 2D canvas in this browser')
  context.drawImage(bitmap, 0, 0)
  bitmap.close()
  const rgba = context.getImageData(0, 0, width, height).data
  let opaque = true
  let neutral = true
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i + 3] !== 255) opaque = false
    if (rgba[i] !== rgba[i + 1] || rgba[i] !== rgba[i + 2]) neutral = false
  }
  const channels = !opaque ? 4 : neutral ? 1 : 3
  const data = new Uint8Array(width * height * channels)
  if (channels === 4) data.set(rgba)
  else {
    for (let p = 0, o = 0; p < width * height; p++) {
      for (let c = 0; c < channels; c++) data[o++] = rgba[p * 4 + c]!
    }
  }
  return { data, width, height, channels }
}
