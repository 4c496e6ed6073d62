// Devices of accounts (docs/e2e.md, "How it works"): each has its own Ed25519 signature key
// and MLS credential `user/device`; the hub keeps the public key and the vouch an existing device of
// the same account signed for it (cross-signing: a hub that hands out KeyPackages must not be able to
// slip in a device of its own unnoticed; clients check every vouch themselves). An account's first
// device is trusted on first use and marked so. A connection acts for one device once bound.
import type { SessionUser } from '#core/auth/session-store'
import type { Connection } from '#core/connections/connection'
import { writeTransaction } from '#core/db/client'
import { coreErrors } from '#core/errors'
import { DEFAULT_SUITE, vouchStatement } from '#core/protocol/e2e'
import type { AckResults, ClientFrameOf, DeviceView } from '#core/protocol/messages'
import { findUser } from '#core/users/queries'
import { type E2eContext, sendTo } from './context.ts'
import { queueRemovals } from './membership.ts'
import { base64Bytes, sameBytes } from './mls-codec.ts'
import type { DeviceRow } from './queries.ts'
import { e2eRoomErrors } from './errors.ts'

/** Devices an account may have at once. */
export const MAX_DEVICES = 32
/** An Ed25519 public key (suite 1). */
const KEY_BYTES = 32

/** The device's registered row, or CHATHUB_E2E_DEVICE_REQUIRED / _NOT_FOUND. */
export const boundDevice = (
  ctx: E2eContext,
  conn: Connection,
  user: SessionUser,
  what: string,
): DeviceRow => {
  const bound = conn.device
  if (!bound) throw e2eRoomErrors.e2eDeviceRequired(what)
  const row = ctx.q.deviceStmt.get(user.userId, bound.device)
  if (!row || row.id !== bound.id) {
    conn.device = undefined
    throw e2eRoomErrors.e2eDeviceNotFound(bound.device)
  }
  return row
}

/** Register this connection's device, or bind it when the same device and key are registered. */
export const registerDevice = async (
  ctx: E2eContext,
  conn: Connection,
  user: SessionUser,
  frame: ClientFrameOf<'device'>,
): Promise<AckResults['device']> => {
  const key = base64Bytes(frame.key)
  if (!key || key.length !== KEY_BYTES)
    throw coreErrors.frameInvalid(`/key: must be a ${KEY_BYTES}-byte Ed25519 public key in base64`)
  const checkKey = (row: DeviceRow | undefined) => {
    if (row && !sameBytes(row.signature_key, key))
      throw e2eRoomErrors.e2eDeviceKeyMismatch(frame.device)
  }
  checkKey(ctx.q.deviceStmt.get(user.userId, frame.device))
  const vouch =
    frame.vouch &&
    (await checkVouch(ctx, user, frame.device, key, frame.vouch.by, frame.vouch.signature))
  // Checked again after the signature check awaited: another connection may have registered it meanwhile.
  const existing = ctx.q.deviceStmt.get(user.userId, frame.device)
  checkKey(existing)
  let changed = true
  if (!existing) {
    const count = ctx.q.devicesStmt.all(user.userId).length
    if (count >= MAX_DEVICES) throw e2eRoomErrors.e2eDevicesFull(MAX_DEVICES)
    const first = count === 0 ? 1 : 0
    ctx.q.insertDeviceStmt.run(
      user.userId,
      frame.device,
      frame.name,
      key,
      first,
      vouch?.by ?? null,
      vouch?.signature ?? null,
      Date.now(),
    )
  } else if (vouch && existing.vouch_by === null) {
    ctx.q.vouchStmt.run(vouch.by, vouch.signature, existing.id)
  } else changed = false
  const row = ctx.q.deviceStmt.get(user.userId, frame.device)
  if (!row) throw coreErrors.internal()
  conn.device = { id: row.id, device: row.device }
  if (changed) announceDevices(ctx, user, conn)
  return {
    device: row.device,
    first: row.first === 1,
    vouched: row.vouch_by !== null,
    welcomes: ctx.q.welcomesStmt
      .all(row.id)
      .map((w) => ({ room: w.room, seq: w.seq, data: w.data.toString('base64') })),
  }
}

/** A registered device of the same account signs for `device`'s key; its key is read again after the await. */
const checkVouch = async (
  ctx: E2eContext,
  user: SessionUser,
  device: string,
  key: Uint8Array,
  by: string,
  signatureB64: string,
): Promise<{ by: string; signature: Buffer }> => {
  if (by === device) throw e2eRoomErrors.e2eVouchInvalid('a device cannot vouch for itself')
  const voucher = ctx.q.deviceStmt.get(user.userId, by)
  if (!voucher) throw e2eRoomErrors.e2eVouchInvalid(`"${by}" is not a device of your account`)
  const signature = base64Bytes(signatureB64)
  const ok =
    signature !== undefined &&
    (await ctx.mls.verify(
      DEFAULT_SUITE,
      voucher.signature_key,
      vouchStatement(user.name, device, key),
      signature,
    ))
  if (!ok || !signature)
    throw e2eRoomErrors.e2eVouchInvalid(`the signature does not verify with the key of "${by}"`)
  const still = ctx.q.deviceStmt.get(user.userId, by)
  if (!still || !sameBytes(still.signature_key, voucher.signature_key))
    throw e2eRoomErrors.e2eVouchInvalid(`"${by}" was removed meanwhile`)
  return { by, signature }
}

/** An existing device of yours vouches for another of yours (registered before without a vouch, or re-vouched). */
export const vouchDevice = async (
  ctx: E2eContext,
  conn: Connection,
  user: SessionUser,
  frame: ClientFrameOf<'vouch'>,
): Promise<AckResults['vouch']> => {
  const target = ctx.q.deviceStmt.get(user.userId, frame.device)
  if (!target) throw e2eRoomErrors.e2eDeviceNotFound(frame.device)
  const vouch = await checkVouch(
    ctx,
    user,
    frame.device,
    target.signature_key,
    frame.by,
    frame.signature,
  )
  const still = ctx.q.deviceStmt.get(user.userId, frame.device)
  if (!still || !sameBytes(still.signature_key, target.signature_key))
    throw e2eRoomErrors.e2eDeviceNotFound(frame.device)
  ctx.q.vouchStmt.run(vouch.by, vouch.signature, still.id)
  announceDevices(ctx, user, conn)
  return { device: frame.device, by: frame.by }
}

/** Any existing user's devices, with their keys and vouches (clients check them before adding a device). */
export const listDevices = (ctx: E2eContext, name: string): AckResults['devices'] => {
  const user = findUser(ctx.db, name)
  if (!user) throw coreErrors.userNotFound(name)
  return { user: user.name, devices: ctx.q.devicesStmt.all(user.id).map(deviceView) }
}

const deviceView = (r: DeviceRow): DeviceView => {
  const view: DeviceView = {
    device: r.device,
    name: r.name,
    key: r.signature_key.toString('base64'),
    first: r.first === 1,
    createdAt: r.created_at,
  }
  if (r.vouch_by !== null && r.vouch_signature !== null)
    view.vouch = { by: r.vouch_by, signature: r.vouch_signature.toString('base64') }
  return view
}

export const renameDevice = (
  ctx: E2eContext,
  conn: Connection,
  user: SessionUser,
  device: string,
  name: string,
): AckResults['device.rename'] => {
  const row = ctx.q.deviceStmt.get(user.userId, device)
  if (!row) throw e2eRoomErrors.e2eDeviceNotFound(device)
  if (row.name !== name) {
    ctx.q.renameStmt.run(name, row.id)
    announceDevices(ctx, user, conn)
  }
  return { device, name }
}

/**
 * Remove one of your devices: its KeyPackages and Welcomes go with it (cascade), connections bound
 * to it are unbound, and its leaves wait for removal in every E2E room you are a member of.
 */
export const removeDevice = (
  ctx: E2eContext,
  conn: Connection,
  user: SessionUser,
  device: string,
): AckResults['device.remove'] => {
  const row = ctx.q.deviceStmt.get(user.userId, device)
  if (!row) throw e2eRoomErrors.e2eDeviceNotFound(device)
  writeTransaction(ctx.db, () => ctx.q.deleteDeviceStmt.run(row.id))
  for (const c of ctx.connectionsOf(user.userId)) if (c.device?.id === row.id) c.device = undefined
  const self = { id: user.userId, name: user.name }
  for (const { name } of ctx.q.e2eRoomsStmt.all(user.userId)) {
    const room = ctx.rooms.find(name)
    if (room) queueRemovals(ctx, room, [self])
  }
  announceDevices(ctx, user, conn)
  return { device }
}

/**
 * A `devices` event: the user's devices changed. To their other connections, and to the followers of
 * the E2E rooms they are a member of (each connection once; bounded by the connections there are).
 */
export const announceDevices = (
  ctx: E2eContext,
  user: { userId: number; name: string },
  except?: Connection,
): void => {
  const targets = new Set<Connection>(ctx.connectionsOf(user.userId))
  for (const { name } of ctx.q.e2eRoomsStmt.all(user.userId)) {
    const room = ctx.rooms.find(name)
    if (room) for (const c of room.subscribers) targets.add(c)
  }
  if (except) targets.delete(except)
  sendTo(targets, { type: 'devices', user: user.name })
}
