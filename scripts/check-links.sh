#!/usr/bin/env bash
# Checks that every relative link in README.md and docs/*.md points at a file or folder of the
# repository. Links to other sites are not fetched (no network); a link's #anchor is ignored.
#
#   scripts/check-links.sh      # prints each broken link, exits 1 if there is any
set -euo pipefail
cd "$(dirname "$0")/.."

broken=0
for doc in README.md docs/*.md; do
    dir=$(dirname "$doc")
    # Inline links and images: ](target) or ](target "title").
    while IFS= read -r target; do
        case "$target" in
            http://* | https://* | mailto:* | '#'*) continue ;;
        esac
        path=${target%%#*}
        path=${path%% *}
        [ -z "$path" ] && continue
        if [ ! -e "$dir/$path" ]; then
            echo "$doc: broken link to $target"
            broken=1
        fi
    done < <(grep -o '\](\([^)]*\))' "$doc" | sed 's/^](\(.*\))$/\1/')
done
exit "$broken"
