import { createHash, timingSafeEqual } from 'node:crypto'

/** Compare a presented secret with the expected one in constant time (hashing first equalises lengths). */
export function secretEquals(expected: string, presented: string): boolean {
  const a = createHash('sha256').update(expected).digest()
  const b = createHash('sha256').update(presented).digest()
  return timingSafeEqual(a, b)
}

/** True when `presented` equals any of `secrets`; every secret is compared, so timing tells nothing. */
export function secretInList(secrets: readonly string[], presented: string): boolean {
  let found = false
  for (const secret of secrets) found = secretEquals(secret, presented) || found
  return found
}

/** The token of an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match?.[1]
}

/** A deterministic user GUID (UUID v4 layout) for an API key, so its queries have a history of their own. */
export function guidForApiKey(key: string): string {
  const h = createHash('sha256').update(`rentahal-api-key:${key}`).digest('hex')
  const variant = ((Number.parseInt(h[16] as string, 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** A cookie's value from a `Cookie` header (undefined when absent or badly encoded). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim())
      } catch {
        return undefined
      }
    }
  }
  return undefined
}
