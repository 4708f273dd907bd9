import assert from 'node:assert/strict'

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: \\d+)?$`)
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y

/**
 * Parse the Prometheus text exposition format (0.0.4) strictly: every line is
 * a HELP/TYPE comment or a sample, and every sample belongs to a declared metric.
 */
export function parsePrometheus(text: string): Sample[] {
  const types = new Map<string, string>()
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '') continue
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line)
    if (meta !== null) {
      if (meta[1] === 'TYPE') {
        assert.match(meta[3] as string, /^(counter|gauge|histogram|summary|untyped)$/, line)
        types.set(meta[2] as string, meta[3] as string)
      }
      continue
    }
    const m = SAMPLE.exec(line)
    assert.ok(m !== null, `not a Prometheus sample line: ${line}`)
    const [, name, labelText, valueText] = m as unknown as [string, string, string | undefined, string]
    const labels: Record<string, string> = {}
    if (labelText !== undefined && labelText !== '') {
      LABEL.lastIndex = 0
      while (LABEL.lastIndex < labelText.length) {
        const l = LABEL.exec(labelText)
        assert.ok(l !== null, `bad labels in: ${line}`)
        labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, '$1')
      }
    }
    const value = valueText === '+Inf' ? Number.POSITIVE_INFINITY : valueText === '-Inf' ? Number.NEGATIVE_INFINITY : Number(valueText)
    assert.ok(!Number.isNaN(value) || valueText === 'NaN', `bad value in: ${line}`)
    const base = name.replace(/_(bucket|sum|count)$/, '')
    assert.ok(types.has(name) || types.has(base), `sample of an undeclared metric: ${line}`)
    samples.push({ name, labels, value })
  }
  return samples
}

/** The value of one sample (0 when absent). */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const match = samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  return match?.value ?? 0
}
