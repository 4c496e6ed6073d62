// Test helper: the naive sequential LSB-replacement embedder that classic steganalysis catches.
import type { RawImage } from '#plugins/stego/codec'
import { seededRandom } from '#test/plugins/stego/fixtures'

/**
 * Overwrite the LSBs of the first `fraction` of colour samples (scan order) with message bits
 * (seeded, so calibration tests are deterministic).
 */
export const lsbReplace = (image: RawImage, fraction: number, seed = 1): RawImage => {
  const random = seededRandom(seed)
  const data = image.data.slice()
  const colours = Math.min(image.channels, 3)
  const total = image.width * image.height * colours
  const count = Math.round(total * fraction)
  let written = 0
  for (let p = 0; p < data.length && written < count; p += image.channels) {
    for (let c = 0; c < colours && written < count; c++, written++) {
      const bit = random() < 0.5 ? 0 : 1
      data[p + c] = (data[p + c]! & 0xfe) | bit
    }
  }
  return { ...image, data }
}
