#!/usr/bin/env bash
# A `make run` step that is skipped while nothing it depends on changed, without starting Python:
#
#   tools/stamp.sh NAME [--database URL] [--file PATH]... [--key TEXT]... [--after STEP]...
#                  -- COMMAND...
#
# The step's key is a SHA-256 over the --key texts, the content of every --file (a missing file
# counts as "missing"), for --database the URL and (SQLite, the default when URL is empty:
# $SHOPLET_DATA_DIR/shoplet.db) the database file's inode and birth time, so a deleted or
# replaced database is migrated and seeded again, and for --after the time STEP last ran, so a
# step runs again whenever the step it follows did. The key of the last successful run is kept in
# $SHOPLET_DATA_DIR/stamps/NAME; when it matches, the step prints one "skip" line and exits 0.
# Otherwise COMMAND runs and, when it succeeds, the key (taken again: the command may have just
# created the database) is written. SHOPLET_FORCE_STEPS=1 runs every step regardless.
set -u
name=$1
shift
data_dir="${SHOPLET_DATA_DIR:-./var}"
stamp="$data_dir/stamps/$name"
keys=()
files=()
afters=()
database=""
has_database=""
while [ $# -gt 0 ]; do
  case $1 in
    --key) keys+=("$2"); shift 2 ;;
    --file) files+=("$2"); shift 2 ;;
    --database) database=$2; has_database=1; shift 2 ;;
    --after) afters+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "stamp.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ $# -eq 0 ]; then
  echo "stamp.sh: no command after --" >&2
  exit 2
fi

# The SQLite file behind a database URL (empty: Shoplet's default), or nothing for a server.
sqlite_file() {
  local url=$1
  case $url in
    "") printf '%s' "$data_dir/shoplet.db" ;;
    sqlite*:///*) url=${url#*:///}; printf '%s' "${url%%\?*}" ;;
  esac
}

compute_key() {
  {
    printf 'step %s\n' "$name"
    local key path db after
    for key in "${keys[@]+"${keys[@]}"}"; do printf 'key %s\n' "$key"; done
    for after in "${afters[@]+"${afters[@]}"}"; do
      if [ -f "$data_dir/stamps/$after" ]; then
        printf 'after %s %s\n' "$after" "$(stat -c %.9Y "$data_dir/stamps/$after")"
      else
        printf 'after %s never\n' "$after"
      fi
    done
    for path in "${files[@]+"${files[@]}"}"; do
      if [ -f "$path" ]; then
        printf 'file %s %s\n' "$path" "$(sha256sum <"$path" | cut -d' ' -f1)"
      else
        printf 'file %s missing\n' "$path"
      fi
    done
    if [ -n "$has_database" ]; then
      printf 'database %s\n' "$database"
      db=$(sqlite_file "$database")
      if [ -n "$db" ]; then
        if [ -e "$db" ]; then
          printf 'sqlite %s %s\n' "$db" "$(stat -c 'inode %i born %.9W' "$db")"
        else
          printf 'sqlite %s missing\n' "$db"
        fi
      fi
    fi
  } | sha256sum | cut -d' ' -f1
}

key=$(compute_key)
if [ "${SHOPLET_FORCE_STEPS:-}" != 1 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ]; then
  printf '  skip %-24s (unchanged since its last run)\n' "$name"
  exit 0
fi
"$@" || exit $?
mkdir -p "$data_dir/stamps"
compute_key >"$stamp.tmp" && mv "$stamp.tmp" "$stamp"
