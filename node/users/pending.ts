/**
 * Per user, the last query record still being written. The gateway answers
 * a query before its record is written (the answer must not wait for a
 * replicated write), so a store's reads of that user wait for it first:
 * whoever asks for history or totals after an answer sees that answer.
 */
export class PendingRecords {
  private readonly byUser = new Map<string, Promise<void>>()

  /** Track a record write; records of one user are written in order, so the last one settles after the others. */
  track<T>(guid: string, write: Promise<T>): Promise<T> {
    const settled = write.then(
      () => undefined,
      () => undefined
    )
    this.byUser.set(guid, settled)
    void settled.then(() => {
      if (this.byUser.get(guid) === settled) this.byUser.delete(guid)
    })
    return write
  }

  /** Resolves once every record started so far is written (or failed): for node-wide reads. */
  async all(): Promise<void> {
    if (this.byUser.size > 0) await Promise.all([...this.byUser.values()])
  }

  /** Resolves once the user's records started so far are written (or failed). */
  settled(guid: string): Promise<void> {
    return this.byUser.get(guid) ?? Promise.resolve()
  }
}
