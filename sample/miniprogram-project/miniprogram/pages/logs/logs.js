const { formatTime } = require('../../utils/util')

Page({
  data: {
    logs: []
  },

  onShow() {
    const logs = (wx.getStorageSync('logs') || []).map((timestamp) => ({
      timestamp,
      label: formatTime(new Date(timestamp))
    }))
    this.setData({ logs })
  }
})
