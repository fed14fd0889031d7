#!/usr/bin/env bash
# Runs a short `glomer test` and opens its report in headless Chromium: index.html, every
# page and figure it links. Fails if a link is broken, an SVG does not parse, a page lacks the
# elements it must show, or the browser logs a console error.
#
#   scripts/check-report.sh                 # check only (debug build)
#   scripts/check-report.sh --release       # the same with the release build (as CI has it)
#   scripts/check-report.sh docs/img        # check, and save screenshots of the pages there
#
# Needs chromium (installed with apt-get when missing and running as root).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
profile=debug
if [[ "${1:-}" == --release ]]; then
    profile=release
    shift
fi
shots="${1:-}"
if [[ -n "$shots" ]]; then
    mkdir -p "$shots"
    shots="$(cd "$shots" && pwd)"
fi

if ! command -v chromium >/dev/null; then
    if [[ "$(id -u)" == 0 ]]; then
        apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null
    else
        echo "check-report: chromium is missing (apt-get install chromium)" >&2
        exit 1
    fi
fi

cd "$repo"
release=()
[[ $profile == release ]] && release=(--release)
cargo build -q "${release[@]}" -p glomer-harness --bin glomer
cargo build -q "${release[@]}" -p glomer-nodes --bin glomer-broadcast
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
glomer="$target_dir/$profile/glomer"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
# Short, with partitions, so the pictures have faults to shade; about 15 s with the final
# phase's 10 s recovery.
"$glomer" test -w broadcast --node-count 3 --time-limit 4 --rate 30 --latency 20 \
    --nemesis partition --nemesis-interval 1 --seed 7 >run.out 2>run.err \
    || { cat run.out run.err >&2; echo "check-report: glomer test failed" >&2; exit 1; }
run="$(readlink -f store/latest)"
[[ -f "$run/index.html" ]] || { echo "check-report: store/latest/index.html missing" >&2; exit 1; }

failures=0
fail() {
    echo "check-report: $*" >&2
    failures=$((failures + 1))
}

browse() { # browse FILE ARGS... : headless Chromium with a fresh profile
    local profile
    profile="$(mktemp -d "$work/profile.XXXX")"
    timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
        --enable-logging=stderr --v=0 "${@:2}" "file://$run/$1"
}

# Every page and file index.html links, and everything it embeds, must exist.
mapfile -t linked < <(grep -oE '(href|src)="[^"#]+"' "$run/index.html" | sed -E 's/^(href|src)="//; s/"$//' | sort -u)
[[ ${#linked[@]} -ge 8 ]] || fail "index.html links only ${#linked[@]} files"
for f in "${linked[@]}"; do
    [[ -e "$run/$f" ]] || fail "index.html links $f, which is missing"
done

# page : grep -E patterns its rendered DOM must contain
declare -A expect=(
    [index.html]='id="verdict"|id="summary"|id="sections"|<img src="latency-raw.svg"|href="timeline.html"|href="messages.svg"'
    [timeline.html]='class="op ok"|class="head"|nemesis'
    [messages.svg]='marker-end="url\(#head|>n0</text>|partition'
    [latency-raw.svg]='latency \(ms\)'
    [latency-quantiles.svg]='latency \(ms\)'
    [rate.svg]='ops/s'
    [net-rate.svg]='messages/s'
)
for page in "${!expect[@]}"; do
    browse "$page" --dump-dom >"$work/dom" 2>"$work/log" || fail "$page: chromium failed"
    if grep -q -E 'parsererror|This page contains the following errors' "$work/dom"; then
        fail "$page does not parse: $(grep -o -E 'error on line[^<]*' "$work/dom" | head -1)"
    fi
    IFS='|' read -r -a patterns <<<"${expect[$page]}"
    for p in "${patterns[@]}"; do
        grep -q -E "$p" "$work/dom" || fail "$page lacks $p"
    done
    # The pages run no script, so any console message is an error (a resource that failed to
    # load, a CSP or parse complaint).
    if grep -q -E 'CONSOLE|Uncaught|Failed to load' "$work/log"; then
        fail "$page: browser errors: $(grep -E 'CONSOLE|Uncaught|Failed to load' "$work/log" | head -3)"
    fi
done

if [[ -n "$shots" ]]; then
    browse index.html --window-size=1000,1500 --screenshot="$shots/report-index.png" 2>/dev/null
    browse timeline.html --window-size=900,700 --screenshot="$shots/report-timeline.png" 2>/dev/null
    browse messages.svg --window-size=1000,900 --screenshot="$shots/report-messages.png" 2>/dev/null
    browse latency-raw.svg --window-size=900,420 --screenshot="$shots/report-latency-raw.png" 2>/dev/null
    browse latency-quantiles.svg --window-size=900,600 --screenshot="$shots/report-latency-quantiles.png" 2>/dev/null
    browse rate.svg --window-size=900,420 --screenshot="$shots/report-rate.png" 2>/dev/null
fi

if [[ $failures -gt 0 ]]; then
    echo "check-report: $failures problems in $run" >&2
    exit 1
fi
echo "check-report: report of $(basename "$run") renders in Chromium: ${#linked[@]} links, ${#expect[@]} pages checked"
