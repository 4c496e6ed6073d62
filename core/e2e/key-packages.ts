// The KeyPackage directory (RFC 9420 §10, §16.4): devices publish one-time KeyPackages and one
// last-resort one; a member of an E2E room claims one per device of a user it adds (a member, an
// invitee, or itself for its own new devices). A one-time package is handed out once and deleted; the
// last-resort one is handed out when none is left and kept. Claims are rate-limited per account: each
// one drains another account's packages.
import type { SessionUser } from '#core/auth/session-store'
import { WindowCounter } from '#core/auth/window-counter'
import type { Connection } from '#core/connections/connection'
import { writeTransaction } from '#core/db/client'
import { coreErrors } from '#core/errors'
import { credentialIdentity, DEFAULT_SUITE, SUITE_NAMES } from '#core/protocol/e2e'
import type { AckResults, ClientFrameOf } from '#core/protocol/messages'
import { findUser } from '#core/users/queries'
import { connectionsOfDevice, type E2eContext } from './context.ts'
import { announceDevices, boundDevice } from './devices.ts'
import { mayBeInGroup } from './membership.ts'
import { base64Bytes, sameBytes } from './mls-codec.ts'
import type { DeviceRow } from './queries.ts'
import { e2eRoomErrors } from './errors.ts'

/** One-time KeyPackages a device may have stored at once. */
export const MAX_ONE_TIME = 100
/** Below this many one-time KeyPackages left, the device hears `keypackages.low`. */
export const LOW_WATER = 10
/** Claims an account may make per minute (adding a 100-member room takes 99). */
export const CLAIMS_PER_MINUTE = 120

/**
 * Check every package (decodes as one KeyPackage of suite 1 with this device's credential and key,
 * and its signature verifies), then store them all or none.
 */
export const publishKeyPackages = async (
  ctx: E2eContext,
  conn: Connection,
  user: SessionUser,
  frame: ClientFrameOf<'keypackages'>,
): Promise<AckResults['keypackages']> => {
  const device = boundDevice(ctx, conn, user, 'publish KeyPackages')
  await ctx.mls.load()
  const identity = credentialIdentity(user.name, device.device)
  const given = frame.packages.map((data, i) => ({ which: `#${i}`, data }))
  if (frame.lastResort !== undefined) given.push({ which: 'lastResort', data: frame.lastResort })
  const checked = await Promise.all(
    given.map(async ({ which, data }) => {
      const bytes = base64Bytes(data)
      const message = bytes && ctx.mls.decode(bytes)
      if (!bytes || message?.wireformat !== 'mls_key_package')
        throw e2eRoomErrors.e2eKeyPackageInvalid(which, 'it is not an MLS KeyPackage in base64')
      const kp = message.keyPackage
      if (kp.cipherSuite !== SUITE_NAMES[DEFAULT_SUITE])
        throw e2eRoomErrors.e2eKeyPackageInvalid(
          which,
          `its cipher suite is not ${SUITE_NAMES[DEFAULT_SUITE]}`,
        )
      const credential = kp.leafNode.credential
      if (credential.credentialType !== 'basic' || !sameBytes(credential.identity, identity)) {
        throw e2eRoomErrors.e2eKeyPackageInvalid(
          which,
          `its credential is not "${user.name}/${device.device}"`,
        )
      }
      if (!sameBytes(kp.leafNode.signaturePublicKey, device.signature_key)) {
        throw e2eRoomErrors.e2eKeyPackageInvalid(
          which,
          'its signature key is not the one this device registered',
        )
      }
      if (!(await ctx.mls.verifyKeyPackage(DEFAULT_SUITE, kp)))
        throw e2eRoomErrors.e2eKeyPackageInvalid(which, 'its signature does not verify')
      return bytes
    }),
  )
  // After the await: the device may have been removed meanwhile, and the count changed.
  const still = boundDevice(ctx, conn, user, 'publish KeyPackages')
  const stored = ctx.q.oneTimeCountStmt.get(still.id)?.n ?? 0
  const oneTime = checked.slice(0, frame.packages.length)
  if (stored + oneTime.length > MAX_ONE_TIME)
    throw e2eRoomErrors.e2eKeyPackagesFull(MAX_ONE_TIME, stored)
  const lastResort = frame.lastResort === undefined ? undefined : checked[checked.length - 1]
  const now = Date.now()
  writeTransaction(ctx.db, () => {
    for (const bytes of oneTime) ctx.q.insertPackageStmt.run(still.id, bytes, 0, now)
    if (lastResort) {
      ctx.q.dropLastResortStmt.run(still.id)
      ctx.q.insertPackageStmt.run(still.id, lastResort, 1, now)
    }
  })
  // A device that had none can be added to rooms now: members' devices hear it as a device change.
  if (stored === 0 && oneTime.length > 0) announceDevices(ctx, user, conn)
  return {
    device: still.device,
    available: stored + oneTime.length,
    lastResort: ctx.q.lastResortStmt.get(still.id) !== undefined,
  }
}

/** Per-account claim windows (one per hub). */
export class ClaimLimiter {
  private readonly windows = new WindowCounter(CLAIMS_PER_MINUTE, 60_000)
  private sweptAt = 0

  /** Count one claim; CHATHUB_E2E_CLAIM_RATE_LIMITED (with retryAfter) when over the limit. */
  take(userId: number, now: number): void {
    if (now - this.sweptAt > 60_000) {
      this.windows.sweep(now)
      this.sweptAt = now
    }
    const key = String(userId)
    const wait = this.windows.wait(key, now)
    if (wait > 0) throw e2eRoomErrors.e2eClaimRateLimited(Math.max(1, Math.ceil(wait / 1000)))
    this.windows.add(key, now)
  }
}

/** One KeyPackage of each device of `frame.user` (see the module header), for a member adding them. */
export const claimKeyPackages = (
  ctx: E2eContext,
  limiter: ClaimLimiter,
  conn: Connection,
  user: SessionUser,
  frame: ClientFrameOf<'claim'>,
): AckResults['claim'] => {
  const own = boundDevice(ctx, conn, user, 'claim KeyPackages')
  limiter.take(user.userId, Date.now())
  const { room } = ctx.rooms.membership(user, frame.room)
  if (!room.e2e) throw e2eRoomErrors.e2eNotE2eRoom(room.name)
  const target = findUser(ctx.db, frame.user)
  if (!target) throw coreErrors.userNotFound(frame.user)
  const self = target.id === user.userId
  if (!self && !mayBeInGroup(ctx, room, target.id)) {
    throw coreErrors.forbidden(
      `claim KeyPackages of "${target.name}": they are neither a member of "${room.name}" nor invited`,
    )
  }
  const packages: AckResults['claim']['packages'] = []
  const missing: string[] = []
  const drained: DeviceRow[] = []
  writeTransaction(ctx.db, () => {
    for (const device of ctx.q.devicesStmt.all(target.id)) {
      if (self && device.id === own.id) continue
      const oneTime = ctx.q.takeOneTimeStmt.get(device.id)
      if (oneTime) {
        ctx.q.deletePackageStmt.run(oneTime.id)
        drained.push(device)
      }
      const found = oneTime ?? ctx.q.lastResortStmt.get(device.id)
      if (found) packages.push({ device: device.device, data: found.data.toString('base64') })
      else missing.push(device.device)
    }
  })
  for (const device of drained) {
    const available = ctx.q.oneTimeCountStmt.get(device.id)?.n ?? 0
    if (available >= LOW_WATER) continue
    for (const c of connectionsOfDevice(ctx, target.id, device.id))
      c.send({ type: 'keypackages.low', device: device.device, available })
  }
  return { room: room.name, user: target.name, packages, missing }
}
