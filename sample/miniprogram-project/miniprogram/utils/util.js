const pad = (n) => (n < 10 ? `0${n}` : `${n}`)

/** 2024/05/01 09:03:07 */
const formatTime = (date) => {
  const day = [date.getFullYear(), date.getMonth() + 1, date.getDate()].map(pad).join('/')
  const time = [date.getHours(), date.getMinutes(), date.getSeconds()].map(pad).join(':')
  return `${day} ${time}`
}

/** Cents to a price label: 1250 → "¥12.50". */
const formatPrice = (cents) => `¥${(cents / 100).toFixed(2)}`

module.exports = { formatTime, formatPrice }
