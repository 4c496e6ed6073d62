// The E2E session's cryptography (crypto-port.ts) on ts-mls: this device's identity from its
// store (made the first time), its KeyPackages, its trust in other devices, and room groups.
import type { DeviceView } from '#core/protocol/messages'
import type { E2eCrypto } from './crypto-port.ts'
import { Device } from './device.ts'
import { RoomGroup, type DeviceContext } from './group.ts'
import { keepKeyPackages, makeKeyPackages, withoutUsedKeyPackage } from './key-packages.ts'
import type { DeviceStore, StoredGroup } from './store.ts'
import { DeviceTrust, isTrusted } from './trust.ts'

export interface MlsCryptoOptions {
  user: string
  /** The name a new device is registered with. */
  deviceName: string
  store: DeviceStore
  /** A user's devices as the hub lists them (the `devices` frame). */
  directory: (user: string) => Promise<DeviceView[]>
}

export const loadMlsCrypto = async ({
  user,
  deviceName,
  store,
  directory,
}: MlsCryptoOptions): Promise<E2eCrypto> => {
  const stored = await store.loadDevice()
  const device = stored ? Device.fromJSON(stored) : await Device.create(deviceName)
  if (!stored) await store.saveDevice(device.toJSON())
  const trust = new DeviceTrust({ store, directory, self: { user, device } })
  const ctx: DeviceContext = { user, device, trust }
  return {
    device: device.id,
    registration: () => device.registration(),
    async keyPackages(count, lastResort) {
      const batch = await makeKeyPackages(user, device, count, { lastResort })
      // Kept before they are published: a Welcome for one may come the moment the hub has it.
      await store.updateKeyPackages((kept) => keepKeyPackages(kept, batch))
      return {
        oneTime: batch.packages,
        ...(batch.lastResort ? { lastResort: batch.lastResort } : {}),
      }
    },
    createGroup: (groupId) => RoomGroup.create(ctx, groupId),
    async joinGroup(welcome) {
      const kept = await store.loadKeyPackages()
      const { group, keyPackage } = await RoomGroup.join(ctx, welcome, kept)
      await store.updateKeyPackages((current) => withoutUsedKeyPackage(current, keyPackage))
      return group
    },
    loadGroup: (group: StoredGroup) => RoomGroup.decode(ctx, group),
    async trustedDevices(of, devices) {
      const review = await trust.review(of, devices)
      return review.devices.filter(isTrusted).map((d) => d.device)
    },
  }
}
