#!/usr/bin/env bash
# Installs the system packages lema builds against, when they are missing.
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -euo pipefail
# zlib1g-dev: swift-nio-extras (HTTP compression, via async-http-client) links libz.
needed=(libsqlite3-dev libyaml-dev libopenblas-dev pkg-config zlib1g-dev)
missing=()
for pkg in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "lema: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "lema: missing system packages; run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
if ! command -v swift >/dev/null 2>&1; then
  echo "lema: no Swift toolchain on PATH (Swift 6 is needed: https://www.swift.org/install/linux/)" >&2
  exit 1
fi
