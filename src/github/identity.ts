/**
 * Who the action is on GitHub, so that it reads records only from objects its own token created.
 *
 * - Check runs belong to a GitHub App (`app` on every run). `github-token` is an installation token: with
 *   GITHUB_TOKEN the app is GitHub Actions (slug `github-actions`); with an App's installation token it is that
 *   App. An installation token cannot ask which App it belongs to (`GET /app` needs the App's JWT), so the
 *   slug comes from the `github-app-slug` input (default `github-actions`; actions/create-github-app-token
 *   outputs it as `app-slug`).
 * - Comments and issues have an author: an installation token writes as the App's bot user `<slug>[bot]`
 *   (`github-actions[bot]` for GITHUB_TOKEN); a personal access token writes as its user, whom `GET /user`
 *   names (installation tokens are refused there).
 *
 * GitHub's answer to the action's own first write is authoritative: when a run or comment the action just
 * created names another App, that App is taken from then on and a warning says to set `github-app-slug`.
 */

export const GITHUB_ACTIONS_APP_SLUG = 'github-actions'

export interface AppRef {
  id: number
  slug: string
  name: string
}

export interface Author {
  login: string
  type: string
}

export interface IdentityOptions {
  appSlug: string
  /** The login of the token's user, or undefined for an installation token (asked at most once). */
  userLogin: () => Promise<string | undefined>
  warn: (line: string) => void
}

export function botLogin(appSlug: string): string {
  return `${appSlug}[bot]`
}

export class ActionIdentity {
  private slug: string
  private login: Promise<string | undefined> | undefined
  private warned = false

  constructor(private readonly options: IdentityOptions) {
    this.slug = options.appSlug
  }

  /** The slug of the App whose runs are the action's own. */
  get appSlug(): string {
    return this.slug
  }

  isOwnApp(app: Pick<AppRef, 'slug'> | null | undefined): boolean {
    return Boolean(app?.slug) && app?.slug === this.slug
  }

  /** The login the action's comments and issues carry. */
  async ownLogin(): Promise<string> {
    this.login ??= this.options.userLogin()
    return (await this.login) ?? botLogin(this.slug)
  }

  async isOwnAuthor(author: Author | null | undefined): Promise<boolean> {
    if (!author?.login) return false
    return author.login === (await this.ownLogin())
  }

  /** A run the action has just created names the App its token belongs to. */
  learnFromCreatedRun(app: Pick<AppRef, 'slug'> | null | undefined): void {
    if (app?.slug && app.slug !== this.slug) this.switchTo(app.slug)
  }

  /** A comment or issue the action has just created names the token's user. */
  learnFromCreatedObject(author: Author | null | undefined): void {
    if (!author?.login || author.type !== 'Bot' || !author.login.endsWith('[bot]')) return
    const slug = author.login.slice(0, -'[bot]'.length)
    if (slug !== this.slug) {
      this.switchTo(slug)
      this.login = Promise.resolve(author.login)
    }
  }

  private switchTo(slug: string): void {
    if (!this.warned) {
      this.options.warn(
        `github-token belongs to the GitHub App "${slug}", not "${this.slug}": set the input github-app-slug: ${slug} so the action recognises its own check runs, comments and issues from the start of a run.`
      )
      this.warned = true
    }
    this.slug = slug
  }
}
