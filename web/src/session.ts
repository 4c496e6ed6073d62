// The browser's session with the hub: an HttpOnly cookie set at login (the token never reaches
// script) plus the CSRF value sent with every unsafe request (docs/web.md, "Sessions in the browser").
import { setCsrfToken } from '#core/client/platform'
import { ChatClient, httpCall } from '#core/client/sdk'
import { isChatError } from '#core/errors'

export interface Me {
  user: string
  admin: boolean
  csrf?: string
  /** A session that may only enrol in two-factor login (the hub requires it of this account). */
  restricted?: string
}

/** The hub is the page's own origin. */
export const hub = (): string => location.origin

/** Who is logged in on this browser, or undefined (no session, or it expired or was revoked). */
export const whoAmI = async (): Promise<Me | undefined> => {
  try {
    const me = await httpCall<Me>(hub(), '/api/v1/me')
    setCsrfToken(me.csrf)
    return me
  } catch (err) {
    if (isChatError(err) && err.status === 401) return undefined
    throw err
  }
}

/**
 * Log in with name and password. When the account has two-factor login the hub answers
 * TOTP_CODE_REQUIRED with a ticket (err.details.ticket): finish with `logInSecondStep`.
 */
export const logIn = async (user: string, password: string): Promise<Me> => {
  const me = await httpCall<Me>(hub(), '/api/v1/login', { body: { user, password, session: 'cookie' } })
  setCsrfToken(me.csrf)
  return me
}

/** The second step: the ticket of the first answer and a code from the app (or a recovery code). */
export const logInSecondStep = async (ticket: string, code: { code: string } | { recoveryCode: string }): Promise<Me> => {
  const me = await httpCall<Me>(hub(), '/plugins/totp/login', { body: { ticket, ...code, session: 'cookie' } })
  setCsrfToken(me.csrf)
  return me
}

/** Log out this browser (or every device); the hub closes the sockets of what it revokes. */
export const logOut = async (everywhere = false): Promise<void> => {
  await httpCall(hub(), '/api/v1/logout', { body: everywhere ? { all: true } : {} })
  setCsrfToken(undefined)
}

/** The WebSocket, authenticated by the session cookie. */
export const connect = (): Promise<ChatClient> => ChatClient.connect(hub(), undefined)
