// HTTP API for attachments: streamed upload to a room, download and thumbnail for its members.
// Uploads are checked (auth, membership, Content-Length against the size limit and the quotas) before a
// byte of the body is read, and counted against the quotas chunk by chunk while it streams.
import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { join } from 'node:path'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { Type } from '#typebox'
import type { SessionUser } from '#core/auth/session-store'
import type { Attachment } from '#core/db/schema/attachments'
import { coreErrors, isChatError } from '#core/errors'
import { requireUser } from '#core/http/bearer'
import type { Hub } from '#core/hub'
import { RoomName } from '#core/protocol/messages'
import { attachmentErrors } from './errors.ts'
import { inspectImage } from './image.ts'
import { stripMetadata } from './metadata-strip.ts'
import { commitUpload, findAttachment, toAttachmentView } from './queries.ts'
import { QuotaLedger } from './quota.ts'
import { IMAGE_MIMES, sanitizeName, sniffMime } from './sniff.ts'
import { AttachmentStore, type Staged } from './storage.ts'

const UploadQuery = Type.Object(
  { name: Type.Optional(Type.String({ maxLength: 1024 })) },
  { additionalProperties: false },
)
const IdParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' }) })

/** RFC 6266 / RFC 8187: an ASCII fallback and the exact UTF-8 name. */
export const contentDisposition = (type: 'attachment' | 'inline', name: string): string => {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_')
  const exact = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `${type}; filename="${fallback}"; filename*=UTF-8''${exact}`
}

/** Refusals that leave (the rest of) the body unread. */
const BODY_UNREAD = new Set(['CHATHUB_ATTACHMENT_TOO_LARGE', 'CHATHUB_ATTACHMENT_QUOTA_EXCEEDED', 'CHATHUB_ATTACHMENT_STORAGE_FULL'])

/**
 * Answer a refusal while the client may still be sending. Refused before the first byte: Connection:
 * close (Node discards what was declared). Refused mid-stream: the rest is read and thrown away, up to
 * `cap` bytes, before the socket is dropped. Closing a socket with unread input makes the kernel send
 * a RST, and the client would lose the error response it had not read yet (a "lingering close").
 */
const refuseBody = (req: IncomingMessage, reply: FastifyReply, cap: number): void => {
  if (req.complete) return
  if (req.readableDidRead) {
    let discarded = 0
    req.on('data', (chunk: Buffer) => {
      discarded += chunk.length
      if (discarded > cap) req.socket.destroy()
    })
    req.resume()
  } else void reply.header('connection', 'close')
}

/** The routes; returns the store, which the sweep shares (it skips the temp files of uploads in progress). */
export const registerAttachmentRoutes = (
  app: FastifyInstance,
  hub: Hub,
  options: { now?: (() => number) | undefined } = {},
): { store: AttachmentStore } => {
  const store = new AttachmentStore(join(hub.config.dataDir, 'attachments'))
  const limits = hub.config.attachments
  const quotas = new QuotaLedger(hub.db, limits)
  const now = options.now ?? Date.now

  /** The attachment, if the user may read it: members of its room only. */
  const readable = (user: SessionUser, id: string): Attachment => {
    const row = findAttachment(hub.db, id)
    const room = row && hub.rooms.find(row.roomName)
    if (!row || !room) throw attachmentErrors.notFound(id)
    if (!hub.rooms.inScope(user, room)) throw attachmentErrors.roomHidden(id)
    if (hub.rooms.roleOf(room, user.userId) === undefined) {
      if (room.isPrivate) throw attachmentErrors.roomHidden(id)
      throw coreErrors.notMember(room.name)
    }
    return row
  }

  const serve = async (reply: FastifyReply, row: Attachment, kind: 'file' | 'thumb', mime: string, disposition: string) => {
    const sha256 = kind === 'file' ? row.sha256 : (row.thumbnailSha256 ?? '')
    // The row was deleted (and its file swept) between the lookup and here: gone, not an error.
    const { stream, size } = await store.open(sha256, kind).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw attachmentErrors.notFound(row.id)
      throw err
    })
    return reply
      .header('content-type', mime)
      .header('content-length', String(size))
      .header('content-disposition', disposition)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('cache-control', 'private, max-age=31536000, immutable')
      .send(stream)
  }

  void app.register(async (scope) => {
    // The body is read by the handler as a stream, whatever its type (no parser buffers it).
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined))

    scope.post<{ Params: { room: string }; Querystring: { name?: string } }>(
      '/api/v1/rooms/:room/attachments',
      { schema: { params: Type.Object({ room: RoomName }), querystring: UploadQuery } },
      async (req, reply) => {
        const user = requireUser(hub, req)
        const { room } = hub.rooms.membership(user, req.params.room)
        const declared = Number(req.headers['content-length']) // NaN when absent (chunked)
        if (declared > limits.maxBytes) {
          refuseBody(req.raw, reply, limits.maxBytes)
          throw attachmentErrors.tooLarge(limits.maxBytes)
        }
        const reservation = quotas.begin(user.userId)
        const staged: Staged[] = []
        let row: Attachment
        let mime: string
        try {
          if (declared > 0) reservation.expect(declared)
          const received = await store.receive(req.raw, limits.maxBytes, (n) => reservation.add(n))
          staged.push(received)
          mime = sniffMime(received.head)
          if (received.size === 0) throw attachmentErrors.empty()
          let file: Staged = received
          let image: { width: number; height: number; thumb: Staged } | undefined
          if (IMAGE_MIMES.has(mime)) {
            // Metadata goes, pixels stay byte for byte (a hidden message survives); images only.
            const stripped = stripMetadata(mime, await store.readTmp(received))
            if (!stripped.ok) throw attachmentErrors.imageInvalid(stripped.why)
            const bytes = Buffer.from(stripped.bytes.buffer, stripped.bytes.byteOffset, stripped.bytes.byteLength)
            const info = await inspectImage(bytes, limits.maxPixels, limits.thumbnailSize)
            staged.push((file = await store.stage(bytes)))
            const thumb = await store.stage(info.thumbnail)
            staged.push(thumb)
            image = { width: info.width, height: info.height, thumb }
          }
          row = commitUpload(hub.db, store, { file, thumb: image?.thumb }, {
            id: randomBytes(12).toString('base64url'),
            roomId: room.id,
            uploaderId: user.userId,
            sha256: file.sha256,
            size: file.size,
            mime,
            name: sanitizeName(req.query.name, mime),
            width: image?.width ?? null,
            height: image?.height ?? null,
            thumbnailSha256: image?.thumb.sha256 ?? null,
            createdAt: now(),
          })
          reservation.commit(row.size)
        } catch (err) {
          if (isChatError(err) && BODY_UNREAD.has(err.code)) refuseBody(req.raw, reply, limits.maxBytes)
          throw err
        } finally {
          reservation.end()
          // Placed files were moved away: discarding them is a no-op. Anything else left in tmp/ goes.
          await Promise.all(staged.map((s) => store.discard(s)))
        }
        req.log.info({ attachment: row.id, room: room.name, user: user.name, size: row.size, mime }, 'attachment uploaded')
        return reply.code(201).send(toAttachmentView(row))
      },
    )
  })

  app.get<{ Params: { id: string } }>('/api/v1/attachments/:id', { schema: { params: IdParams } }, async (req, reply) => {
    const row = readable(requireUser(hub, req), req.params.id)
    return serve(reply, row, 'file', row.mime, contentDisposition('attachment', row.name))
  })

  app.get<{ Params: { id: string } }>(
    '/api/v1/attachments/:id/thumbnail',
    { schema: { params: IdParams } },
    async (req, reply) => {
      const row = readable(requireUser(hub, req), req.params.id)
      if (!row.thumbnailSha256) throw attachmentErrors.noThumbnail(row.id)
      return serve(reply, row, 'thumb', 'image/webp', contentDisposition('inline', `${row.id}.webp`))
    },
  )
  return { store }
}
