// What the hub decodes of an uploaded image: its header (dimensions, checked against the pixel
// limit before any pixel is decoded) and a small WebP thumbnail. The original is never re-encoded.
import sharp from 'sharp'
import { attachmentErrors } from './errors.ts'

export interface ImageInfo {
  width: number
  height: number
  thumbnail: Buffer
}

/**
 * Read the header, refuse decompression bombs (more than `maxPixels`, e.g. a tiny PNG claiming
 * 50000×50000) with CHATHUB_ATTACHMENT_IMAGE_TOO_LARGE, then decode once for the thumbnail.
 */
export const inspectImage = async (bytes: Buffer, maxPixels: number, thumbnailSize: number): Promise<ImageInfo> => {
  let width: number
  let height: number
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata()
    width = meta.width ?? 0
    height = meta.pageHeight ?? meta.height ?? 0
  } catch {
    throw attachmentErrors.imageInvalid('not a readable image')
  }
  if (width < 1 || height < 1) throw attachmentErrors.imageInvalid('no dimensions')
  if (width * height > maxPixels) throw attachmentErrors.imageTooLarge(width * height, maxPixels)
  let thumbnail: Buffer
  try {
    thumbnail = await sharp(bytes, { limitInputPixels: maxPixels, pages: 1, failOn: 'error' })
      .autoOrient()
      .resize(thumbnailSize, thumbnailSize, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 75 })
      .toBuffer()
  } catch (err) {
    const message = err instanceof Error ? err.message : ''
    if (/pixel limit/i.test(message)) throw attachmentErrors.imageTooLarge(width * height, maxPixels)
    throw attachmentErrors.imageInvalid('damaged or truncated image data')
  }
  return { width, height, thumbnail }
}
