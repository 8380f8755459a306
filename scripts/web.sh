#!/bin/sh
# Prepares the web console's static files under web/.  The console is plain
# HTML/CSS/ES modules (no build step); its chart library, Apache ECharts, and
# the browser-test driver, playwright-core, come from npm at the versions
# pinned in package.json / package-lock.json.  This script installs them with
# `npm ci` when they are missing or not the locked versions, and copies
# echarts' dist/echarts.min.js to web/vendor/ (git-ignored), so the server
# serves everything itself: no network at run time, nothing from a CDN.
# playwright-core never downloads a browser here: the tests drive Debian's
# chromium (scripts/deps.sh installs it).
set -e
cd "$(dirname "$0")/.."
test -f web/index.html || { echo "ipcity: web/index.html is missing" >&2; exit 1; }

# locked_version NAME: the version package-lock.json pins for node_modules/NAME
locked_version() {
  node -e 'const l=require("./package-lock.json");const p=l.packages&&l.packages["node_modules/"+process.argv[1]];process.stdout.write(p?p.version:"")' "$1"
}
# installed_version NAME: the version in node_modules, or nothing
installed_version() {
  node -e 'try{process.stdout.write(require("./node_modules/"+process.argv[1]+"/package.json").version)}catch(e){}' "$1"
}

need=0
for pkg in echarts playwright-core; do
  want=$(locked_version "$pkg")
  have=$(installed_version "$pkg")
  if [ -z "$want" ] || [ "$want" != "$have" ]; then need=1; fi
done
if [ "$need" = 1 ]; then
  echo "ipcity: installing the console's npm packages (npm ci)"
  # PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: belt and braces; playwright-core itself downloads nothing
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi

src=node_modules/echarts/dist/echarts.min.js
test -f "$src" || { echo "ipcity: $src is missing after npm ci" >&2; exit 1; }
mkdir -p web/vendor
if ! cmp -s "$src" web/vendor/echarts.min.js; then
  cp "$src" web/vendor/echarts.min.js
  echo "ipcity: web/vendor/echarts.min.js <- echarts $(installed_version echarts)"
fi
