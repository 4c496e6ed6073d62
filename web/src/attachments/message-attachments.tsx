// A message's files in the timeline: images as thumbnails sized from the message's width and height
// (so nothing jumps when they load), opening the full picture in a viewer; other files as download
// links with their name and size. The hub authenticates both by the session cookie (same origin).
// In an end-to-end encrypted room the hub's file is ciphertext: it is downloaded and decrypted here
// by the SDK (encrypted-files.tsx), never opened by its URL.
import { formatSize } from './size.ts'
import type { ChatClient } from '#core/client/sdk'
import type { AttachmentView, MessageView } from '#core/protocol/messages'
import { EncryptedDownload, EncryptedImage, isViewable } from './encrypted-files.tsx'

/** Thumbnails fit in a square of this many CSS pixels (the hub makes them 320 px by default). */
const THUMB_BOX = 240

export const attachmentUrl = (id: string, variant?: 'thumbnail'): string =>
  `/api/v1/attachments/${encodeURIComponent(id)}${variant ? `/${variant}` : ''}`

/** An image the hub made a thumbnail for: it gave its dimensions. */
const isImage = (a: AttachmentView): a is AttachmentView & { width: number; height: number } =>
  a.width !== undefined && a.height !== undefined

export const MessageAttachments = ({ message: m, client }: { message: MessageView; client: ChatClient }) => {
  if (m.deletedAt !== undefined || !m.attachments?.length) return null
  return (
    <ul class="attachments" aria-label="Attachments">
      {m.attachments.map((a) => (
        <li key={a.id}>
          {a.e2e ? (
            isViewable(a) ? (
              <>
                <EncryptedImage client={client} attachment={a} />
                <RevealButton room={m.room} attachment={a} load={() => client.fetchFile(a)} />
              </>
            ) : (
              <EncryptedDownload client={client} attachment={a} />
            )
          ) : isImage(a) ? (
            <>
              <Thumbnail attachment={a} />
              <RevealButton room={m.room} attachment={a} load={() => fetchPicture(attachmentUrl(a.id))} />
            </>
          ) : (
            <Download attachment={a} />
          )}
        </li>
      ))}
    </ul>
  )
}

const Thumbnail = ({ attachment: a }: { attachment: AttachmentView & { width: number; height: number } }) => {
  const scale = Math.min(1, THUMB_BOX / Math.max(a.width, a.height))
  return (
    <button
      type="button"
      class="thumbnail"
      aria-haspopup="dialog"
      title={`${a.name} (${a.width}×${a.height}, ${formatSize(a.size)})`}
      onClick={(e) => {
        const opener = e.currentTarget
        void import('./image-viewer.tsx').then((viewer) => viewer.openViewer(a, opener))
      }}
    >
      <img
        src={attachmentUrl(a.id, 'thumbnail')}
        alt={a.name}
        width={Math.max(1, Math.round(a.width * scale))}
        height={Math.max(1, Math.round(a.height * scale))}
        loading="lazy"
        decoding="async"
      />
    </button>
  )
}

const Download = ({ attachment: a }: { attachment: AttachmentView }) => (
  <a class="download" href={attachmentUrl(a.id)} download={a.name}>
    <span class="file-name">{a.name}</span> <span class="file-size">({formatSize(a.size)})</span>
  </a>
)

/** The picture at `url` (the page's session cookie authenticates it). */
const fetchPicture = async (url: string): Promise<ArrayBuffer> => {
  const res = await fetch(url, { credentials: 'same-origin' })
  if (!res.ok) throw new Error(`The hub answered ${res.status}.`)
  return res.arrayBuffer()
}

/** "Reveal": the picture (its bytes from `load`) may hide a message (plugins/stego); the codec loads on first use. */
const RevealButton = ({ room, attachment: a, load }: { room: string; attachment: AttachmentView; load: () => Promise<ArrayBuffer | Uint8Array> }) => (
  <button
    type="button"
    class="link reveal"
    aria-haspopup="dialog"
    aria-label={`Reveal a hidden message in ${a.name}`}
    onClick={(e) => {
      const opener = e.currentTarget
      void import('../stego/stego-dialogs.tsx').then((d) => d.openRevealDialog(opener, room, a, load))
    }}
  >
    reveal
  </button>
)
