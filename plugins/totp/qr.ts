// QR codes of the otpauth:// URI for enrolment: drawn in the terminal, or as a PNG file (qrcode).
import QRCode from 'qrcode'

/** The QR code as text for a terminal (small, using half blocks). */
export const qrTerminal = (uri: string): Promise<string> => QRCode.toString(uri, { type: 'terminal', small: true })

/** The QR code as PNG bytes (error correction M, 8 px modules). */
export const qrPng = (uri: string): Promise<Buffer> => QRCode.toBuffer(uri, { type: 'png', errorCorrectionLevel: 'M', scale: 8 })
