#!/usr/bin/env bash
# vision.ocr runs Tesseract when it is on PATH. Its end-to-end test runs only then, so on CI
# (CI=true, as root, with apt) this installs Debian's tesseract-ocr, best effort and bounded:
# a machine that cannot reach the package mirror skips that one test instead of failing.
# Developers' machines are left alone; install tesseract-ocr yourself to run the test.
set -uo pipefail

if command -v tesseract >/dev/null 2>&1; then
  echo "ocr-env: $(tesseract --version 2>&1 | head -n 1) on PATH; the vision.ocr end-to-end test runs"
  exit 0
fi
if [ "${CI:-}" != "true" ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ocr-env: tesseract not on PATH; the vision.ocr end-to-end test is skipped (apt-get install tesseract-ocr to run it)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
install() { timeout -k 10 300 apt-get install -y -q --no-install-recommends tesseract-ocr tesseract-ocr-eng >/dev/null 2>&1; }
install || { timeout -k 10 300 apt-get update -q >/dev/null 2>&1 && install; }
if command -v tesseract >/dev/null 2>&1; then
  echo "ocr-env: installed $(tesseract --version 2>&1 | head -n 1); the vision.ocr end-to-end test runs"
else
  echo "ocr-env: could not install tesseract-ocr; the vision.ocr end-to-end test is skipped"
fi
exit 0
