#!/usr/bin/env bash
# Build Assure front-end assets: GOV.UK Frontend (no crown, no GDS Transport
# font) + Assure Sass -> audit_app/web/static/dist/. Idempotent; no network
# except `npm ci` when node_modules is missing or stale.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

GOVUK="node_modules/govuk-frontend/dist/govuk"
DIST="audit_app/web/static/dist"
CSS="$DIST/app.css"
# Crown/crest imagery and GOV.UK-branded icons are never shipped.
# Keep in sync with $app-omitted-images in assets/scss/_image-url.scss.
EXCLUDE_IMAGES=(govuk-crest.svg govuk-icon-mask.svg govuk-icon-180.png govuk-icon-192.png
  govuk-icon-512.png govuk-opengraph-image.png favicon.ico favicon.svg)

step() { printf '[build_assets] %s\n' "$*"; }
fail() { printf '[build_assets] ERROR: %s\n' "$*" >&2; exit 1; }

# 1. Dependencies
if [[ ! -d node_modules || ! -e node_modules/.package-lock.json \
      || package-lock.json -nt node_modules/.package-lock.json ]]; then
  step "npm ci (node_modules missing or older than package-lock.json)"
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
else
  step "node_modules up to date, skipping npm ci"
fi

# 2. Sass -> CSS
mkdir -p "$DIST"
step "sass assets/scss/app.scss -> $CSS"
node_modules/.bin/sass --no-source-map --style=compressed --load-path=node_modules \
  assets/scss/app.scss "$CSS"

# 3. GOV.UK Frontend JS (ES module)
step "copy govuk-frontend.min.js -> $DIST/govuk-frontend.min.js"
cp "$GOVUK/govuk-frontend.min.js" "$DIST/govuk-frontend.min.js"

# 4. Images (minus crown/crest) and manifest; never fonts
rm -rf "$DIST/assets"
mkdir -p "$DIST/assets/images"
copied=0
for f in "$GOVUK"/assets/images/*; do
  name="$(basename "$f")"
  skip=0
  for x in "${EXCLUDE_IMAGES[@]}"; do [[ "$name" == "$x" || "$name" == *crown* || "$name" == *crest* ]] && skip=1; done
  if (( ! skip )); then cp "$f" "$DIST/assets/images/"; copied=$((copied + 1)); fi
done
step "copied $copied image(s) to $DIST/assets/images (crown/crest/GOV.UK icons excluded)"
if [[ -f "$GOVUK/assets/manifest.json" ]]; then
  # Only ship the manifest if every icon it lists was copied.
  if node -e 'const fs=require("fs"),p=require("path");const m=JSON.parse(fs.readFileSync(process.argv[1]));
      process.exit((m.icons||[]).every(i=>fs.existsSync(p.join(process.argv[2],i.src)))?0:1)' \
      "$GOVUK/assets/manifest.json" "$DIST/assets"; then
    cp "$GOVUK/assets/manifest.json" "$DIST/assets/manifest.json"
    step "copied manifest.json"
  else
    step "skipped manifest.json (its icons are GOV.UK crown images, not shipped)"
  fi
fi

# 5. Checks: no fonts, every url() resolves to a shipped file
if grep -qiE 'woff|GDS Transport|@font-face' "$CSS"; then
  fail "$CSS references fonts (woff / GDS Transport / @font-face)"
fi
[[ ! -e "$DIST/assets/fonts" ]] || fail "$DIST/assets/fonts must not exist"
missing=0
while IFS= read -r u; do
  [[ -z "$u" || "$u" == data:* ]] && continue
  case "$u" in
    /static/dist/*) target="$DIST/${u#/static/dist/}" ;;
    /*|http:*|https:*|//*) fail "url($u) in $CSS is not relative to $DIST" ;;
    *) target="$DIST/$u" ;;
  esac
  target="${target%%[?#]*}"
  [[ -f "$target" ]] || { printf '[build_assets] missing: url(%s)\n' "$u" >&2; missing=1; }
done < <(grep -oE 'url\([^)]*\)' "$CSS" | sed -E 's/^url\(["'\'']?//; s/["'\'']?\)$//' | sort -u)
(( ! missing )) || fail "$CSS references files that were not copied"
step "checks ok: $(wc -c < "$CSS") bytes app.css, no font references, all url() resolve"
