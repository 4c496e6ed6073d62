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
  description: 'hidden messages in images (embedding happens in the client; the hub answers /stego capacity)',
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
        help: { summary: 'how to hide a message in a picture', run: () => HELP },
        capacity: {
          usage: 'WIDTHxHEIGHT',
          summary: 'how many bytes an image that size can hide',
          run: ([size = '']) => capacityAnswer(size, config.maxPixels),
        },
      },
    }
  },
})

const capacityAnswer = (size: string, maxPixels: number): string => {
  const match = /^(\d{1,6})[x×](\d{1,6})$/i.exec(size)
  if (!match) return 'Usage: /stego capacity WIDTHxHEIGHT (e.g. /stego capacity 4000x3000)'
  const width = Number(match[1])
  const height = Number(match[2])
  if (width * height > maxPixels) return `Images above ${maxPixels} pixels are not accepted here.`
  const { maxBytes, safeBytes } = capacityForSize(width, height)
  return (
    `A ${width}×${height} opaque image hides up to ${bytes(maxBytes)}; up to ${bytes(safeBytes)} ` +
    'stays hard to detect. Check a real file with `chathub stego capacity FILE`.'
  )
}

const bytes = (n: number): string => `${n} ${n === 1 ? 'byte' : 'bytes'}`
