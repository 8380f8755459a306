#!/bin/sh
# Prepares the web console's static files under web/ (no network at run
# time: everything is served by ipcity itself).  The console's chart library
# (Apache ECharts from npm) arrives with the console issue; until then the
# console is plain HTML/CSS/ES modules and needs no preparation.
set -e
test -f web/index.html || { echo "ipcity: web/index.html is missing" >&2; exit 1; }
