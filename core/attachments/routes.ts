// HTTP API for attachments: streamed upload to a room, download and thumbnail for its members.
// Uploads are checked (auth, membership, Content-Length) before a byte of the body is read.
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { Type } from 'typebox'
import type { SessionUser } from '#core/auth/session-store'
import type { Attachment } from '#core/db/schema/attachments'
import { coreErrors, isChatError } from '#core/errors'
import { requireUser } from '#core/http/bearer'
import type { Hub } from '#core/hub'
import { RoomName } from '#core/protocol/messages'
import { attachmentErrors } from './errors.ts'
import { inspectImage } from './image.ts'
import { stripMetadata } from './metadata-strip.ts'
import { findAttachment, insertAttachment, toAttachmentView } from './queries.ts'
import { IMAGE_MIMES, sanitizeName, sniffMime } from './sniff.ts'
import { AttachmentStore } from './storage.ts'

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

export const registerAttachmentRoutes = (app: FastifyInstance, hub: Hub): void => {
  const store = new AttachmentStore(join(hub.config.dataDir, 'attachments'))
  const limits = hub.config.attachments

  /** The attachment, if the user may read it: members of its room only. */
  const readable = (user: SessionUser, id: string): Attachment => {
    const row = findAttachment(hub.db, id)
    const room = row && hub.rooms.find(row.roomName)
    if (!row || !room) throw attachmentErrors.notFound(id)
    if (user.scopes && !user.scopes.includes(room.name)) throw attachmentErrors.roomHidden(id)
    if (hub.rooms.roleOf(room, user.userId) === undefined) {
      if (room.isPrivate) throw attachmentErrors.roomHidden(id)
      throw coreErrors.notMember(room.name)
    }
    return row
  }

  const serve = async (reply: FastifyReply, sha256: string, kind: 'file' | 'thumb', mime: string, disposition: string) => {
    const { stream, size } = await store.open(sha256, kind)
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
        const declared = Number(req.headers['content-length'])
        if (declared > limits.maxBytes) {
          void reply.header('connection', 'close')
          throw attachmentErrors.tooLarge(limits.maxBytes)
        }
        const received = await store.receive(req.raw, limits.maxBytes).catch((err: unknown) => {
          if (isChatError(err) && err.code === 'CHATHUB_ATTACHMENT_TOO_LARGE') void reply.header('connection', 'close')
          throw err
        })
        const mime = sniffMime(received.head)
        let stored = { sha256: received.sha256, size: received.size }
        let image: { width: number; height: number; thumbnailSha256: string } | undefined
        try {
          if (received.size === 0) throw attachmentErrors.empty()
          if (IMAGE_MIMES.has(mime)) {
            // Metadata goes, pixels stay byte for byte (a hidden message survives); images only.
            const stripped = stripMetadata(mime, await store.readTmp(received))
            if (!stripped.ok) throw attachmentErrors.imageInvalid(stripped.why)
            const info = await inspectImage(stripped.bytes, limits.maxPixels, limits.thumbnailSize)
            stored = { sha256: await store.put(stripped.bytes), size: stripped.bytes.length }
            image = { width: info.width, height: info.height, thumbnailSha256: await store.put(info.thumbnail, 'thumb') }
            await store.discard(received)
          } else {
            await store.adopt(received)
          }
        } catch (err) {
          await store.discard(received)
          throw err
        }
        const row = insertAttachment(hub.db, {
          id: randomBytes(12).toString('base64url'),
          roomId: room.id,
          uploaderId: user.userId,
          sha256: stored.sha256,
          size: stored.size,
          mime,
          name: sanitizeName(req.query.name, mime),
          width: image?.width ?? null,
          height: image?.height ?? null,
          thumbnailSha256: image?.thumbnailSha256 ?? null,
          createdAt: Date.now(),
        })
        req.log.info({ attachment: row.id, room: room.name, user: user.name, size: row.size, mime }, 'attachment uploaded')
        return reply.code(201).send(toAttachmentView(row))
      },
    )
  })

  app.get<{ Params: { id: string } }>('/api/v1/attachments/:id', { schema: { params: IdParams } }, async (req, reply) => {
    const row = readable(requireUser(hub, req), req.params.id)
    return serve(reply, row.sha256, 'file', row.mime, contentDisposition('attachment', row.name))
  })

  app.get<{ Params: { id: string } }>(
    '/api/v1/attachments/:id/thumbnail',
    { schema: { params: IdParams } },
    async (req, reply) => {
      const row = readable(requireUser(hub, req), req.params.id)
      if (!row.thumbnailSha256) throw attachmentErrors.noThumbnail(row.id)
      return serve(reply, row.thumbnailSha256, 'thumb', 'image/webp', contentDisposition('inline', `${row.id}.webp`))
    },
  )
}
