#!/usr/bin/env bash
# Installs the real flytekit (pyflyte, FlyteRemote) from PyPI into conformance/.venv,
# pinned by conformance/flytekit/requirements.txt with every transitive dependency
# pinned by conformance/flytekit/constraints.txt.
#
# Idempotent: a stamp (hash of both files + this script) skips the install when the
# venv is up to date. Never fails the caller: when flytekit cannot be installed (no
# suitable Python, no venv module, no PyPI) it prints the reason, writes it to
# conformance/.work/flytekit.unavailable (the conformance tests skip with it) and exits 0.
#
#   conformance/setup-flytekit.sh            install / check
#   conformance/setup-flytekit.sh --relock   re-resolve requirements.txt without the
#                                            constraints and rewrite constraints.txt
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv=$here/.venv
work_dir=$here/.work
requirements=$here/flytekit/requirements.txt
constraints=$here/flytekit/constraints.txt
stamp=$venv/flytekit.stamp
log=$work_dir/flytekit-install.log
unavailable=$work_dir/flytekit.unavailable

mkdir -p "$work_dir"
start=$(date +%s)
relock=0
[ "${1:-}" = "--relock" ] && relock=1

# The most telling line of a failed pip run: a connection error beats pip's summary.
pip_failure() {
  local line
  line=$(grep -m1 -E 'NewConnectionError|Failed to establish|Temporary failure in name resolution|ProxyError|timed out' "$log" |
    sed -E 's/.*(Failed to establish a new connection: [^'"'"']*|Temporary failure in name resolution|ProxyError|timed out).*/cannot reach the package index: \1/')
  [ -n "$line" ] || line=$(grep -m1 '^ERROR' "$log")
  [ -n "$line" ] || line=$(tail -n 1 "$log")
  printf 'pip install failed: %s (full log: %s)' "$line" "$log"
}

unavailable() {
  echo "flytekit: NOT INSTALLED: $1" >&2
  printf '%s\n' "$1" >"$unavailable"
  rm -f "$stamp"
  exit 0
}

version=$(sed -n -E 's/^flytekit==([^ ]+).*/\1/p' "$requirements")
[ -n "$version" ] || unavailable "cannot read the flytekit pin from $requirements"

want_stamp=$(cat "$requirements" "$constraints" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)
if [ "$relock" = 0 ] && [ -x "$venv/bin/pyflyte" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ]; then
  rm -f "$unavailable"
  echo "flytekit $version: up to date ($venv)"
  exit 0
fi

# flytekit 1.16 supports Python >= 3.10, < 3.13.
python=""
for candidate in python3 python3.12 python3.11 python3.10; do
  command -v "$candidate" >/dev/null 2>&1 || continue
  if "$candidate" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] < (3, 13) else 1)' 2>/dev/null; then
    python=$(command -v "$candidate")
    break
  fi
done
[ -n "$python" ] || unavailable "no Python 3.10-3.12 found (flytekit $version requires >=3.10,<3.13)"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
  rm -rf "$venv"
  "$python" -m venv "$venv" >"$log" 2>&1 ||
    unavailable "'$python -m venv' failed (install python3-venv?): $(tail -n 1 "$log")"
fi

pip=("$venv/bin/python" -m pip --disable-pip-version-check --no-input --timeout 60 --retries 2)
echo "flytekit $version: installing into $venv with $("$venv/bin/python" --version)"
if [ "$relock" = 1 ]; then
  "${pip[@]}" install -r "$requirements" >"$log" 2>&1 || unavailable "$(pip_failure)"
  "${pip[@]}" freeze --all | grep -v -E '^(pip|setuptools|wheel)==' >"$constraints"
  echo "flytekit $version: rewrote $constraints"
  want_stamp=$(cat "$requirements" "$constraints" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)
else
  timeout 1800 "${pip[@]}" install -r "$requirements" -c "$constraints" >"$log" 2>&1 || unavailable "$(pip_failure)"
fi

installed=$("$venv/bin/python" -c 'import flytekit; print(flytekit.__version__)' 2>>"$log") ||
  unavailable "flytekit does not import after install: $(tail -n 1 "$log")"
[ -x "$venv/bin/pyflyte" ] || unavailable "pyflyte is missing from $venv/bin"

printf '%s\n' "$want_stamp" >"$stamp"
rm -f "$unavailable"
echo "flytekit $installed: installed in $(($(date +%s) - start)) s"
