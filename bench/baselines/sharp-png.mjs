// The yardstick for `chathub stego embed`: a plain script that decodes an image with sharp and writes
// it back as PNG with the same settings as plugins/stego/image-io.ts (no payload, no codec).
import { writeFileSync } from 'node:fs'
import sharp from 'sharp'

const [input, output] = process.argv.slice(2)
const { data, info } = await sharp(input).raw().toBuffer({ resolveWithObject: true })
const png = await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
  .png({ compressionLevel: 6, palette: false, force: true })
  .toBuffer()
writeFileSync(output, png)
