import {durationMinutes} from './policy/requirements.js'

/** "waiting 5h of the 24h SLA", "waiting 1d 2h, 2h past the 24h SLA", or "waiting 3h" without an SLA. */
export function describeWait(since: string, sla: string | undefined, now = new Date()): string {
  const waitedMinutes = Math.max(0, Math.floor((now.getTime() - new Date(since).getTime()) / 60_000))
  const waited = `waiting ${formatMinutes(waitedMinutes)}`
  if (!sla) return waited
  const slaMinutes = durationMinutes(sla)
  return waitedMinutes > slaMinutes ? `${waited}, ${formatMinutes(waitedMinutes - slaMinutes)} past the ${sla} SLA` : `${waited} of the ${sla} SLA`
}

/** Formats minutes as "3d 4h", "5h 10m" or "7m": the two largest units. */
export function formatMinutes(minutes: number): string {
  const days = Math.floor(minutes / 1440)
  const hours = Math.floor((minutes % 1440) / 60)
  const rest = minutes % 60
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`
  if (hours > 0) return rest > 0 ? `${hours}h ${rest}m` : `${hours}h`
  return `${rest}m`
}
