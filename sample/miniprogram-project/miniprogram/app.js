const { formatTime } = require('./utils/util')

App({
  globalData: {
    ext: {},
    launchedAt: ''
  },

  onLaunch() {
    // ext.json values reach the app through getExtConfigSync when it runs as an authorized mini program.
    const ext = wx.getExtConfigSync ? wx.getExtConfigSync() : {}
    this.globalData.ext = ext
    this.globalData.launchedAt = formatTime(new Date())

    const logs = wx.getStorageSync('logs') || []
    logs.unshift(Date.now())
    wx.setStorageSync('logs', logs.slice(0, 20))
  }
})
