#!/usr/bin/env bash
# Installs Debian's chromium and chromium-driver (same source package, so their versions match) for `lema ui`'s
# browser tests, when they are missing and we are root. Otherwise it says how, and the browser tests skip.
set -euo pipefail
needed=(chromium chromium-driver)
missing=()
for pkg in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
((${#missing[@]})) || exit 0
if [[ $(id -u) -eq 0 ]]; then
  echo "lema: installing ${missing[*]} (browser tests of lema ui)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "lema: the browser tests of lema ui will be skipped; to run them:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
fi
