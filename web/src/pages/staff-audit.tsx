// Audit: download the export (NDJSON or CSV, by date and type) and watch the read models.
import { useCallback, useEffect, useState } from 'preact/hooks'
import { api, download, type ProjectionRow, problemText } from '../api'
import { endOfLocalDay } from '../format'
import { BALANCES, BOOKS, useLive } from '../live'
import { ErrorText, Field, Page, useAction } from '../ui'

const startOfLocalDay = (value: string) => {
  const d = endOfLocalDay(value)
  d.setHours(0, 0, 0, 0)
  return d
}

function Projections() {
  const [rows, setRows] = useState<ProjectionRow[]>([])
  const [error, setError] = useState<string>()
  const load = useCallback(async () => {
    const { data, error } = await api.GET('/api/admin/projections')
    if (!data) return setError(problemText(error))
    setError(undefined)
    setRows(data)
  }, [])
  useEffect(() => void load(), [load])
  useLive([BOOKS, BALANCES], load)
  return (
    <>
      <ErrorText text={error} />
      <div class="scroll">
        <table aria-label="Read models">
          <thead>
            <tr>
              <th scope="col">Read model</th>
              <th scope="col">Position</th>
              <th scope="col">Lag (events)</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.name}>
                <td>{r.name}</td>
                <td class="id">{r.position}</td>
                <td>{r.lagEvents}</td>
                <td class={`status-${r.status}`}>{r.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}

export function Audit() {
  const [format, setFormat] = useState<'ndjson' | 'csv'>('csv')
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')
  const [type, setType] = useState('')
  const action = useAction()
  const submit = async (e: Event) => {
    e.preventDefault()
    const query = new URLSearchParams({ format })
    if (from) query.set('from', startOfLocalDay(from).toISOString())
    if (to) query.set('to', new Date(endOfLocalDay(to).getTime() + 1).toISOString())
    if (type.trim()) query.set('type', type.trim())
    await action.run(async () => {
      const error = await download(`/api/audit/events?${query}`, `ledger-events.${format}`)
      return error ? { error: { detail: error } } : {}
    })
  }
  return (
    <Page title="Audit">
      <h2>Export the event log</h2>
      <form onSubmit={submit} aria-label="Export">
        <Field label="Format">
          <select
            value={format}
            onChange={(e) => setFormat(e.currentTarget.value as 'ndjson' | 'csv')}
          >
            <option value="csv">CSV</option>
            <option value="ndjson">NDJSON</option>
          </select>
        </Field>
        <Field label="From (day)">
          <input type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </Field>
        <Field label="To (day)">
          <input type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </Field>
        <Field label="Event types" hint="comma-separated, e.g. BookRented,PaymentRecorded">
          <input value={type} onInput={(e) => setType(e.currentTarget.value)} />
        </Field>
        <button type="submit" disabled={action.busy}>
          Download
        </button>
      </form>
      <ErrorText text={action.error} />
      <h2>Read models</h2>
      <Projections />
    </Page>
  )
}
