/** Formats an amount such as "$1,200" for USD, or "1,200 EUR" for other currencies. */
export function formatMoney(amount: number, currency: string): string {
  const number = amount.toLocaleString('en-US', {maximumFractionDigits: 2})
  return currency === 'USD' ? `$${number}` : `${number} ${currency}`
}
