// The child side of lib.ts's startChild(), kept free of node/ imports so
// that a baseline server loads nothing it does not use.

/** In a child: announce readiness, then run `stop` when the parent closes stdin. */
export function childReady(info: Record<string, unknown>, stop: () => Promise<void>): void {
  console.log(`READY ${JSON.stringify(info)}`)
  process.stdin.resume()
  process.stdin.on('end', () => {
    stop().then(
      () => process.exit(0),
      (err: Error) => {
        console.error(err)
        process.exit(1)
      }
    )
  })
}
