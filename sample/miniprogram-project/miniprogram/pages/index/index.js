const { formatPrice } = require('../../utils/util')

const MENU = [
  { id: 'latte', name: 'Latte', cents: 2800 },
  { id: 'americano', name: 'Americano', cents: 2200 },
  { id: 'flat-white', name: 'Flat white', cents: 3000 }
]

Page({
  data: {
    shopName: 'Sample Coffee',
    launchedAt: '',
    menu: []
  },

  onLoad() {
    const app = getApp()
    const { shopName = this.data.shopName } = app.globalData.ext
    this.setData({
      shopName,
      launchedAt: app.globalData.launchedAt,
      menu: MENU.map((item) => ({ ...item, priceLabel: formatPrice(item.cents) }))
    })
  },

  openItem(event) {
    const { id } = event.currentTarget.dataset
    wx.navigateTo({ url: `/packageOrder/pages/detail/detail?id=${id}` })
  }
})
