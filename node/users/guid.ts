const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Canonical (lower-case) GUID, or undefined when the value is not a UUID. */
export function canonicalGuid(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const lower = value.trim().toLowerCase()
  return UUID.test(lower) ? lower : undefined
}

export function newGuid(): string {
  return crypto.randomUUID()
}
