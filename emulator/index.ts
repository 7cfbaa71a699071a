/**
 * A loopback stand-in for api.weixin.qq.com: the third-party platform's token, code-management, tester,
 * template-library and operations APIs, with the platform's state machine, error codes, an emulated
 * clock and fault injection. A workflow rehearsed against it should work unchanged against WeChat.
 *
 * Seeds (see seed.ts): component `wxcafe000000000001`; development mini program `wxd000000000000001`;
 * authorized mini programs `wxa000000000000001` "Sample Shop", `wxa000000000000002` "Sample Cafe",
 * `wxa000000000000003` "Sample Bookstore" (plus `wxa1000…0001`… with `extraApps`); standalone
 * `wxb000000000000001`, which has no platform and only its own token. The development program is also
 * authorized, so it appears last in `credentials.apps`.
 *
 * Decisions on points the platform does not document ([U] in the reference):
 * - Token kind: code-management endpoints called with a mini program's own token answer 86000; with a
 *   component token, 48001. getgrayreleaseplan, get_qrcode and jserr_list take authorizer or own tokens.
 *   Template endpoints take only the component token (else 48001).
 * - Wrong method: 43002 "require POST method" for POST endpoints; 43001 "require GET method" for GET ones.
 * - Tokens live 7200 emulated seconds. `/cgi-bin/token` issues a new token per call and cuts the previous
 *   one to 5 more minutes (TOK-M); `stable_token` returns the same token until 5 minutes before expiry
 *   (or force_refresh) (TOK-S). Minting a component_access_token cuts the previous one to 5 more minutes:
 *   WeChat's support says frequent refreshes make the old token fail (C-000eaa8c848d48ff3b4de9c5c51c00)
 *   without giving the overlap, so the /cgi-bin/token overlap is used. Authorizer tokens stay valid until
 *   expiry when refreshed; refresh tokens never rotate.
 * - component_verify_ticket: WeChat pushes one every 10 emulated minutes and each is valid for 12 hours
 *   (Third-party_Platforms/2.0/Before_Develop/ComponentAccessToken.md); an older one answers 61005, an
 *   unknown one 61006. `currentVerifyTicket()` is the latest, `rotateVerifyTicket()` pushes one at once.
 * - The token-service stand-in (`/__token-service/token`) plays the platform server: it holds one
 *   component token (minted with the latest ticket, only when it has none or it nears expiry) and one
 *   authorizer token per app, and hands them out behind a bearer secret (`?component=1`, `?appid=`).
 * - Replies that vary in the wild are switchable with `setReplyVariants` (see ReplyVariants in state.ts);
 *   the defaults are the documented shapes, with two exceptions: undocodeaudit with nothing pending
 *   answers 87012 as seen in the wild, and getgrayreleaseplan carries default_finish_timestamp (the mini
 *   program's own operation.getGrayReleasePlan page documents it), created + 15 days unless `setGrayFinish`.
 * - Privacy detection runs after /wxa/commit: submit_audit within 60 emulated seconds of it answers 61039
 *   (`privacyDetectionSeconds` changes the window; 0 turns it off). A directCommit upload does not start
 *   the window (whether the platform runs detection then is undocumented), so upload → submit works at once.
 * - A delayed review (status 4) still counts as under review: it blocks another submit (85009), can be
 *   withdrawn, approved or rejected; it cannot be sped up (89402).
 * - Withdrawing with nothing under review answers 87012 (variant `undoNothingPendingErrcode`). A
 *   withdrawal does not refund the submit quota.
 *   Daily and monthly allowances (and the monthly submit quota) reset at midnight Beijing time.
 * - get_latest_auditstatus with no review ever submitted answers 85012.
 * - submit_audit item_list: every item needs first_class, second_class, first_id and second_id ("类目是必填的",
 *   api_submitaudit); one missing answers 85008 (类目填写错误 — the code for this case is not documented).
 *   The category must match get_category on first and second level (85008); `address` is optional and,
 *   when given, must be a page of the trial version (85007). item_list itself may be left out
 *   (C-000ece26dcc6501e8c30aeea160800).
 * - feedback_info / feedback_stuff are recorded on every submit that carries them, marked honoured only
 *   when the previous review was rejected.
 * - release while a gray plan runs: for the version in gray it finishes the plan as a full release (plan
 *   status 3); for another version it answers 85020. grayrelease for a version other than the one in gray
 *   also answers 85020, and for an already fully released version 85052.
 * - grayrelease: the percentage must be a JSON integer 0–100 (a numeric string is 85081); a flag left out
 *   keeps the plan's current value; the same percentage again is 85082. gray_percentage 100 finishes the
 *   plan as a full release (plan status 3, the version goes online).
 * - At default_finish_timestamp (15 × 86400 s after create_timestamp unless moved) a running plan is
 *   released to everyone: plan status 3, online = the gray version, with that instant as release time.
 *   Evaluated lazily on every request.
 * - revertgrayrelease sets plan status 4 and leaves online unchanged; with no running plan it answers -1
 *   "no gray release plan". getgrayreleaseplan with no plan ever answers status 0 and zeros.
 * - Rollback: get_history_version lists rollback targets (earlier online versions, newest first, at most
 *   five), not the current one. Rolling back (to the newest target, or to `app_version`) puts the target
 *   online and removes it from the list; the version rolled away from does not enter the list, so it can
 *   never be rolled back to. Several rollbacks in a row are allowed while targets remain. 87012 when no
 *   target fits; 40097 for a non-numeric app_version; 87011 while a gray plan runs.
 * - Experience members: 15 per mini program by default (`testerLimit`). IDs starting with `unknown` or set
 *   through `setUnsearchable` answer 85001; bind order of checks: 85001, 85004, 85002, 85003. unbind of a
 *   member that is not bound answers -1. userstr is stable per (appid, WeChat ID).
 * - Upload routes: the package's ext.json decides when it carries `extEnable`. miniprogram-ci packs the
 *   real ext.json only for projects whose attributes say `platform` (otherwise a file with just a
 *   warning); then only its `extAppId` parameter (sent when ext.json has extEnable) tells the target, and
 *   such an upload is taken as directCommit.
 * - directCommit uploads (ext.json with extEnable and directCommit and an authorized extAppid) become the
 *   target's trial version at once (no development-version step), pages read from the package's
 *   app.json including subpackages. Draft box: one draft per development program, a new upload replaces
 *   it with a new draft_id. The same draft may be added to the library more than once.
 * - commit: user_version empty or over 64 characters answers 40097; ext_json `pages` outside the
 *   template's pages answers 85045.
 * - get_qrcode with no trial version answers 86001. getversioninfo leaves out exp_info / release_info
 *   when there is no trial / online version.
 * - jserr_list: limit above 30 (or below 1) answers 40097; startTime/endTime must be `YYYY-MM-DD` but do
 *   not filter (rows carry no date); errType is accepted and ignored; with appVersion "0" the same error
 *   across versions is one group; uvPercent/pvPercent are shares of the filtered groups' totals.
 * - IP whitelists (61004, 40164) and call-rate limits (45009, 45011) are not modelled as rules; inject
 *   them with `injectFault`. change_visitstatus answers 85021 before the first release.
 * - Faults answer after the real effect only with `afterCommit`; `afterCommit` alone answers -1. Faults
 *   can also stand for a misbehaving relay: a verbatim `reply`, a `redirectTo`, an `oversizedBytes` body.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DEFAULT_START_TIME, EmulatedClock } from './clock.js'
import { createApiHandler } from './api.js'
import { FaultRegistry, RequestLog, createControl, type EmulatorControl } from './control.js'
import {
  COMPONENT_APPID,
  COMPONENT_APPSECRET,
  DEFAULT_SPEEDUP_QUOTA,
  DEV_APPID,
  STANDALONE_APPID,
  TOKEN_SERVICE_SECRET,
  uploadKeyPair
} from './seed.js'
import { EmulatorState, type CiUpload } from './state.js'

export type { EmulatorControl, FaultSpec, RequestLogEntry } from './control.js'
export type {
  AppSnapshot,
  CiUpload,
  EmulatorSnapshot,
  JsErrorRow,
  ReplyVariants,
  UploadRoute
} from './state.js'
export * as seed from './seed.js'

export interface EmulatorOptions {
  /** Unix seconds of the emulated clock at start; default 1767225600 (2026-01-01T00:00:00Z). */
  startTime?: number
  /** Additional authorized mini programs `wxa100000000000001`… (fan-out tests of 50/200 targets). */
  extraApps?: number
  /** Experience members per mini program, default 15. */
  testerLimit?: number
  /** Monthly submit_audit quota (provider-wide), default 20. */
  auditQuota?: number
  /** Monthly speedupaudit quota (provider-wide), default 5. */
  speedupQuota?: number
  /** Added to every API response (benchmarks use 100). */
  latencyMs?: number
  /** Reviews approve by themselves after this much emulated time (demo convenience); default off. */
  autoApproveAfterSeconds?: number
  /** How long after a commit submit_audit answers 61039; default 60, 0 turns the check off. */
  privacyDetectionSeconds?: number
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number
}

export interface EmulatorCredentials {
  componentAppid: string
  /**
   * The platform's AppSecret, which only the platform server (here the token-service stand-in) uses to
   * mint; the action never takes it. The ticket to mint with is `control.currentVerifyTicket()`.
   */
  componentAppsecret: string
  /** The platform's development mini program (template-route uploads go to its draft box). */
  devAppid: string
  apps: Array<{
    appid: string
    appsecret: string
    refreshToken: string
    uploadPrivateKeyPem: string
    name: string
  }>
  /** No platform: own token only. */
  standaloneApp: { appid: string; appsecret: string; uploadPrivateKeyPem: string }
  /**
   * A stand-in for a user's own token service: `GET <url>?appid=…` (authorizer token) and
   * `GET <url>?component=1` (component token), with `Authorization: Bearer <secret>`.
   */
  tokenServiceUrl: string
  tokenServiceSecret: string
}

export interface RunningEmulator {
  /** `http://127.0.0.1:<port>`: use as api-base-url. */
  url: string
  credentials: EmulatorCredentials
  /** In-process control; the same operations are served over HTTP under /__emulator/*. */
  control: EmulatorControl
  /** Called by the servicewechat.com fake after it verified a miniprogram-ci upload's signature. */
  recordCiUpload(upload: CiUpload): { route: 'direct' | 'template' | 'dev'; targetAppid: string }
  /** RSA public key (PEM) registered for miniprogram-ci uploads of this appid, or undefined. */
  uploadPublicKey(appid: string): string | undefined
  close(): Promise<void>
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const clock = new EmulatedClock(options.startTime ?? DEFAULT_START_TIME)
  const defaults = EmulatorState.defaults()
  const state = new EmulatorState(clock, {
    extraApps: nonNegativeInteger(options.extraApps ?? defaults.extraApps, 'extraApps'),
    testerLimit: nonNegativeInteger(options.testerLimit ?? defaults.testerLimit, 'testerLimit'),
    auditQuota: nonNegativeInteger(options.auditQuota ?? defaults.auditQuota, 'auditQuota'),
    speedupQuota: nonNegativeInteger(options.speedupQuota ?? DEFAULT_SPEEDUP_QUOTA, 'speedupQuota'),
    privacyDetectionSeconds: nonNegativeInteger(
      options.privacyDetectionSeconds ?? defaults.privacyDetectionSeconds,
      'privacyDetectionSeconds'
    ),
    ...(options.autoApproveAfterSeconds !== undefined
      ? {
          autoApproveAfterSeconds: nonNegativeInteger(
            options.autoApproveAfterSeconds,
            'autoApproveAfterSeconds'
          )
        }
      : {})
  })
  const faults = new FaultRegistry()
  const log = new RequestLog()
  const control = createControl(state, clock, faults, log)
  const handler = createApiHandler({
    state,
    control,
    faults,
    log,
    latencyMs: options.latencyMs ?? 0,
    tokenServiceSecret: TOKEN_SERVICE_SECRET
  })
  const server = createServer(handler.listener)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    credentials: buildCredentials(state, url),
    control,
    recordCiUpload: (upload) => {
      state.tick()
      return state.recordCiUpload(upload)
    },
    uploadPublicKey: (appid) => (state.apps.has(appid) ? uploadKeyPair(appid).publicKeyPem : undefined),
    close: () => {
      handler.dispose()
      return new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    }
  }
}

function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`)
  return value
}

function buildCredentials(state: EmulatorState, url: string): EmulatorCredentials {
  // Upload keys are generated on first read, so 200 extra apps cost nothing until a test uploads as one.
  const withKey = <T extends object>(appid: string, fields: T): T & { uploadPrivateKeyPem: string } =>
    Object.defineProperty({ ...fields }, 'uploadPrivateKeyPem', {
      enumerable: true,
      get: () => uploadKeyPair(appid).privateKeyPem
    }) as T & { uploadPrivateKeyPem: string }
  const apps = [...state.apps.values()]
    .filter((app) => app.authorized && app.appid !== DEV_APPID)
    .concat(state.app(DEV_APPID))
    .map((app) =>
      withKey(app.appid, {
        appid: app.appid,
        appsecret: app.appsecret,
        refreshToken: app.refreshToken ?? '',
        name: app.name
      })
    )
  const standalone = state.app(STANDALONE_APPID)
  return {
    componentAppid: COMPONENT_APPID,
    componentAppsecret: COMPONENT_APPSECRET,
    devAppid: DEV_APPID,
    apps,
    standaloneApp: withKey(STANDALONE_APPID, { appid: standalone.appid, appsecret: standalone.appsecret }),
    tokenServiceUrl: `${url}/__token-service/token`,
    tokenServiceSecret: TOKEN_SERVICE_SECRET
  }
}
