/**
 * The environment of every process the action starts: miniprogram-ci's compiler (and its workers) and
 * npm. They get what a build needs and nothing else: no `INPUT_*` (the step's inputs, secrets included),
 * no `ACTIONS_*` runtime tokens, no `GITHUB_TOKEN`, no other variable a workflow may have set.
 * An allow-list, so a new secret-bearing variable is left out by default.
 */

/** Names kept as they are (compared case-insensitively: Windows spells PATH as Path). */
const ALLOWED = new Set(
  [
    // Finding programs and files.
    'PATH',
    'PATHEXT',
    'HOME',
    'USER',
    'LOGNAME',
    'SHELL',
    'TMPDIR',
    'TMP',
    'TEMP',
    'LANG',
    'LANGUAGE',
    'TZ',
    // Windows: what node, npm and the compiler need to start.
    'USERPROFILE',
    'HOMEDRIVE',
    'HOMEPATH',
    'APPDATA',
    'LOCALAPPDATA',
    'PROGRAMDATA',
    'PROGRAMFILES',
    'PROGRAMFILES(X86)',
    'COMMONPROGRAMFILES',
    'SYSTEMROOT',
    'SYSTEMDRIVE',
    'WINDIR',
    'COMSPEC',
    'NUMBER_OF_PROCESSORS',
    'PROCESSOR_ARCHITECTURE',
    'OS',
    // Reaching servicewechat.com (or the npm registry) as the workflow set it up.
    'HTTP_PROXY',
    'HTTPS_PROXY',
    'ALL_PROXY',
    'NO_PROXY',
    'NODE_EXTRA_CA_CERTS',
    'SSL_CERT_FILE',
    'SSL_CERT_DIR',
    // Node settings a workflow sets on purpose (memory for large projects).
    'NODE_OPTIONS',
    // The runner ends every process that carries the job's tracking id when the job ends
    // (actions/runner, src/Runner.Worker/JobExtension.cs); children must keep it to be found.
    'RUNNER_TRACKING_ID',
    'RUNNER_TEMP',
    'RUNNER_OS',
    'RUNNER_ARCH',
    'CI',
    'GITHUB_ACTIONS'
  ].map((name) => name.toUpperCase())
)

/** Prefixes kept: locale settings, and npm's own configuration for an npm child. */
const ALLOWED_PREFIXES = ['LC_']
const NPM_PREFIXES = ['NPM_CONFIG_']

export interface ChildEnvironmentOptions {
  /** For an npm child: also npm's configuration (`npm_config_*`: registry, cache, CA). */
  npm?: boolean
}

/** The allow-listed part of `env`. */
export function childEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  options: ChildEnvironmentOptions = {}
): NodeJS.ProcessEnv {
  const prefixes = options.npm ? [...ALLOWED_PREFIXES, ...NPM_PREFIXES] : ALLOWED_PREFIXES
  const kept: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue
    const upper = name.toUpperCase()
    if (ALLOWED.has(upper) || prefixes.some((prefix) => upper.startsWith(prefix))) kept[name] = value
  }
  return kept
}

/**
 * Reduces `process.env` to the child environment until the returned function puts the full one back:
 * for code that starts children inheriting `process.env`, as miniprogram-ci forks its compiler. The
 * action's own code reads what it needs from the environment before this.
 */
export function enterChildEnvironment(): () => void {
  const full = process.env
  process.env = childEnvironment(full)
  return () => {
    process.env = full
  }
}
