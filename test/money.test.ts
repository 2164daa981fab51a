import assert from 'node:assert/strict'

import {formatMoney} from '../src/actions/money.js'

describe('formatMoney', () => {
  // The expected texts are what toLocaleString('en-US', {maximumFractionDigits: 2}) prints.
  const amounts = [0, 0.5, 0.05, 0.004, 0.005, 1, 50, 999, 1000, 1200, 1234.5, 1234.567, 99999.999, 1000000, 1234567.89, -50, -1234.5, -0.001]
  for (const amount of amounts) {
    it(`formats ${amount} as en-US does`, () => {
      const expected = amount.toLocaleString('en-US', {maximumFractionDigits: 2})
      assert.equal(formatMoney(amount, 'USD'), `$${expected}`)
      assert.equal(formatMoney(amount, 'EUR'), `${expected} EUR`)
    })
  }
})
