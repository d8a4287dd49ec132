#!/bin/sh
# The image's entrypoint: the first argument chooses what runs.
#   scheduler | scraper | differ | notifier | api   one split service (node dist/apps/<name>/main.js)
#   slotwatch [command …]                           the CLI; also how this file acts when called as `slotwatch`
#   anything else                                   run as given (a shell, node, …)
set -eu
app="${SLOTWATCH_APP_DIR:-/app}"

if [ "$(basename "$0")" = slotwatch ]; then
  exec node "$app/dist/apps/slotwatch/main.js" "$@"
fi

case "${1:-}" in
  scheduler | scraper | differ | notifier | api)
    service="$1"
    shift
    exec node "$app/dist/apps/$service/main.js" "$@"
    ;;
  slotwatch)
    shift
    exec node "$app/dist/apps/slotwatch/main.js" "$@"
    ;;
  "")
    exec node "$app/dist/apps/slotwatch/main.js" run
    ;;
  *)
    exec "$@"
    ;;
esac
