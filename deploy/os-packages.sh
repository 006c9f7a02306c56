#!/usr/bin/env bash
# Debian packages the application itself needs (the real stack's are in deploy/lib/*.sh):
# fonts with Vietnamese glyphs for the certificate and report PDFs, and Chromium, which the
# web console's end-to-end tests drive headless through Playwright (never `playwright install`).
set -euo pipefail
needed=()
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || needed+=(fonts-dejavu-core)
[ -x /usr/bin/chromium ] || needed+=(chromium)
command -v pdftoppm >/dev/null || needed+=(poppler-utils)  # tests print PDFs to read them as on paper
# `deploy/os-packages.sh bench`: also the HTTP load generator and the upload client the benchmarks use
if [ "${1:-}" = "bench" ]; then
  command -v wrk >/dev/null || needed+=(wrk)
  command -v curl >/dev/null || needed+=(curl)
fi
if [ ${#needed[@]} -gt 0 ]; then
  echo "[setup] installing ${needed[*]} from Debian"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${needed[@]}" >/dev/null
fi
