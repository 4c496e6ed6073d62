// The stego plugin's entry: chat commands that help people hide messages in images. The hub itself
// never embeds or extracts (it never sees a passphrase): that happens in the client, see docs/stego.md.
import { Type } from '#typebox'
import { definePlugin } from '#core/plugin-api'
import { capacityForSize } from './size-capacity.ts'

const HELP =
  'Hide a message in a picture: `chathub send --room ROOM --image photo.png --hide "text"`; read it with ' +
  '`chathub reveal --room ROOM --message SEQ`. Keep the room passphrase locally with ' +
  '`chathub stego key set --room ROOM`. Embedding happens on your machine: the hub never sees the ' +
  'passphrase or the hidden text. `/stego capacity 4000x3000` tells how much an image that size carries.'

export default definePlugin({
  name: 'stego',
  version: '0.1.0',
  config: Type.Object(
    {
      maxPixels: Type.Integer({
        minimum: 1,
        default: 40_000_000,
        description: 'largest image size (width × height) `/stego capacity` answers for',
      }),
    },
    { additionalProperties: false, default: {} },
  ),

  setup({ config }) {
    return {
      commands: {
        help: () => HELP,
        capacity([size = '']) {
          const match = /^(\d{1,6})[x×](\d{1,6})$/i.exec(size)
          if (!match) return 'Usage: /stego capacity WIDTHxHEIGHT (e.g. /stego capacity 4000x3000)'
          const width = Number(match[1])
          const height = Number(match[2])
          if (width * height > config.maxPixels) return `Images above ${config.maxPixels} pixels are not accepted here.`
          const { maxBytes, safeBytes } = capacityForSize(width, height)
          return (
            `A ${width}×${height} opaque image hides up to ${maxBytes} bytes; up to ${safeBytes} bytes ` +
            'stays hard to detect. Check a real file with `chathub stego capacity FILE`.'
          )
        },
      },
    }
  },
})
