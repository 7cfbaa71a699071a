/**
 * Test and demo set-up: bring a version of an authorized mini program to "approved, not released" in the
 * emulator without compiling (a directCommit upload recorded in-process, then submit and approve), and give
 * it a tag on the fake GitHub so check runs can find its commit.
 */
import { withCommitMarker } from '../src/release/commit-marker.js'
import { WeChatClient } from '../src/wechat/client.js'
import { WeChatHttp } from '../src/wechat/http.js'
import { TokenServiceProvider } from '../src/wechat/tokens.js'
import type { World } from './world.js'

export function emulatorClient(world: World): WeChatClient {
  const http = new WeChatHttp({ baseUrl: world.emulator.url })
  const tokens = new TokenServiceProvider({
    http,
    url: world.emulator.credentials.tokenServiceUrl,
    secret: world.emulator.credentials.tokenServiceSecret
  })
  return new WeChatClient({ http, tokens })
}

export function directUploadFiles(appid: string): Map<string, Buffer> {
  return new Map([
    ['app.json', Buffer.from(JSON.stringify({ pages: ['pages/index/index', 'pages/logs/logs'] }))],
    ['ext.json', Buffer.from(JSON.stringify({ extEnable: true, extAppid: appid, directCommit: true }))],
    ['pages/index/index.js', Buffer.from('Page({})')]
  ])
}

export async function seedApprovedVersion(
  world: World,
  appid: string,
  version: string,
  sha: string,
  options: { approve?: boolean } = {}
): Promise<void> {
  world.emulator.recordCiUpload({
    appid: world.emulator.credentials.devAppid,
    version,
    desc: withCommitMarker(`Seeded ${version} (${sha.slice(0, 7)})`, sha),
    robot: 1,
    files: directUploadFiles(appid),
    kind: 'upload'
  })
  // The platform's privacy detection runs for a minute after code arrives.
  world.emulator.control.advance(61)
  const client = emulatorClient(world)
  try {
    await client.submitAudit(appid, {})
  } finally {
    await client.close()
  }
  if (options.approve !== false) world.emulator.control.approve(appid)
  world.github.addCommit(sha)
  world.github.addTag(`v${version}`, sha)
}
