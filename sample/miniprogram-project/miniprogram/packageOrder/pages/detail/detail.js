const { formatPrice } = require('../../../utils/util')

const NAMES = { latte: 'Latte', americano: 'Americano', 'flat-white': 'Flat white' }
const PRICES = { latte: 2800, americano: 2200, 'flat-white': 3000 }

Page({
  data: {
    item: {},
    ordered: false
  },

  onLoad(query) {
    const id = query.id in NAMES ? query.id : 'latte'
    this.setData({ item: { id, name: NAMES[id], priceLabel: formatPrice(PRICES[id]) } })
  },

  order() {
    this.setData({ ordered: true })
    wx.showToast({ title: 'Order placed', icon: 'success' })
  }
})
