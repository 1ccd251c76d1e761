# shellcheck shell=bash
# Installs what the tests need beyond the .NET SDK and PostgreSQL (browser tests come later).
ensure_test_prerequisites() { :; }
