#!/usr/bin/env bash
# Update and compile LTC's Simplified Chinese catalogue (locale/zh_Hans).
#
# `make messages` should call this script (./locale/build.sh) instead of running makemessages
# and compilemessages itself. It
#   1. extracts the strings of our sources into locale/zh_Hans/LC_MESSAGES/django.po
#      (makemessages; existing translations are kept, changed strings come back fuzzy);
#   2. merges in django-filter's strings from locale/zh_Hans/django_filter.po. django-filter
#      ships only a zh_CN catalogue, which Django does not load for zh-hans, so we carry its
#      strings in our own catalogue; django_filter.po (outside LC_MESSAGES, so neither
#      makemessages nor compilemessages touch it) is their source of truth, and our own
#      entries win when both have the same msgid;
#   3. drops obsolete (#~) entries and compiles LC_MESSAGES/django.mo.
# The .mo file is committed, so a machine without gettext still gets the translations.
# Afterwards, translate every entry listed as untranslated or fuzzy, remove the fuzzy flags
# and run this script again (tests/test_translations.py fails while any is left).
#
# Needs GNU gettext (msgfmt, xgettext, msgmerge, msgcat, msgattrib).
# PYTHON overrides the interpreter (default: the project's .venv, else python3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi

for tool in msgfmt xgettext msgmerge msgcat msgattrib; do
    command -v "$tool" >/dev/null || {
        echo "locale/build.sh: $tool not found; install GNU gettext (apt-get install gettext)." >&2
        exit 1
    }
done

LOCALE=zh_Hans
DIR="locale/$LOCALE/LC_MESSAGES"
PO="$DIR/django.po"
EXTRA="locale/$LOCALE/django_filter.po"
# Directories whose files are not ours to translate. tests/ holds no user-facing text.
IGNORE=(--ignore=.venv --ignore=var --ignore=tests --ignore=node_modules --ignore=.git
        --ignore=staticfiles --ignore=artifacts)

mkdir -p "$DIR"

# 1. Our sources, without source locations (they only churn the file and conflict in merges).
#    --no-obsolete also drops django-filter's entries (no source of ours has
#    them); step 2 puts them back.
"$PYTHON" manage.py makemessages -l "$LOCALE" "${IGNORE[@]}" --no-obsolete --no-location --verbosity=0

# 2. django-filter's strings; ours first, so our header and our translations win.
tmp="$(mktemp "${TMPDIR:-/tmp}/ltc-po.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
msgcat --use-first "$PO" "$EXTRA" -o "$tmp"

# 3. No obsolete entries, then compile.
msgattrib --no-obsolete "$tmp" -o "$PO"
"$PYTHON" manage.py compilemessages -l "$LOCALE" "${IGNORE[@]}" --verbosity=0

# Tell the translator what is left to do.
untranslated="$(msgattrib --untranslated --no-wrap "$PO" | grep -c '^msgid ' || true)"
fuzzy="$(msgattrib --only-fuzzy --no-wrap "$PO" | grep -c '^msgid ' || true)"
# Each non-empty listing also carries the header entry (msgid "").
untranslated=$(( untranslated > 0 ? untranslated - 1 : 0 ))
fuzzy=$(( fuzzy > 0 ? fuzzy - 1 : 0 ))
echo "locale/build.sh: $PO: $(msgfmt --statistics -o /dev/null "$PO" 2>&1)"
if (( untranslated > 0 || fuzzy > 0 )); then
    echo "locale/build.sh: $untranslated untranslated and $fuzzy fuzzy entries to translate:" >&2
    msgattrib --untranslated --no-wrap "$PO" | sed -n 's/^msgid "\(..*\)"$/  untranslated: \1/p' >&2
    msgattrib --only-fuzzy --no-wrap "$PO" | sed -n 's/^msgid "\(..*\)"$/  fuzzy: \1/p' >&2
fi
