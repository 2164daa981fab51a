/**
 * Formats an amount such as "$1,200" for USD, or "1,200 EUR" for other currencies, with at most
 * two decimals. The grouping is done here rather than with toLocaleString, whose first call loads
 * the ICU number formats and costs about 5 ms of every `--help` that shows prices.
 */
export function formatMoney(amount: number, currency: string): string {
  const cents = Math.round(Math.abs(amount) * 100)
  const whole = String(Math.floor(cents / 100)).replace(/\B(?=(\d{3})+$)/g, ',')
  const fraction = String(cents % 100).padStart(2, '0').replace(/0+$/, '')
  const number = `${amount < 0 ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
  return currency === 'USD' ? `$${number}` : `${number} ${currency}`
}
