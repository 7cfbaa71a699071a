Page({
  data: {
    version: ''
  },

  onLoad() {
    const { miniProgram } = wx.getAccountInfoSync()
    this.setData({ version: miniProgram.version || 'development' })
  }
})
