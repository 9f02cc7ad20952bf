#!/usr/bin/env bash
# One source for each flag: each program's table (what it accepts, as its
# hidden --list-options prints it) is the truth the rest is checked against.
# Every flag shown in --help appears in the man page and the bash
# completion, and nothing else does; every flag README's sections name
# exists (the configuration section's in all three programs). A spelling
# means one thing in all three: a long flag two programs show takes the same
# short letter and the same kind of value, and a letter stands for one long
# flag; an old spelling kept for a release warns and names the new one.
. "$(dirname "$0")/lib.sh"

cat >"$WORK/check.py" <<'PY'
import re, sys

def table(path):
    """--LONG -S ARG shown|hidden|deprecated lines -> {long: (short or None, shown)}"""
    rows = {}
    for line in open(path):
        long, short, _arg, shown = line.split()
        rows[long] = (None if short == "-" else short, shown == "shown")
    return rows

def meanings(paths):
    """The same spelling, the same meaning, over the programs' shown flags:
    a long flag's letter and value (N and N[,N...] are both numbers), and a
    letter's long flag; one table|json|csv format is like another)."""
    by_long, by_short, bad = {}, {}, []
    for path in paths:
        prog = path.rsplit("/", 1)[-1].removesuffix(".flags")
        for line in open(path):
            long, short, arg, shown = line.split()
            if shown != "shown":
                continue
            kind = (short, arg.split("[")[0].split("|")[0])
            seen = by_long.setdefault(long, (prog, kind))
            if seen[1] != kind:
                bad.append(f"{long}: {seen[0]} {seen[1]}, {prog} {kind}")
            if short != "-":
                seen = by_short.setdefault(short, (prog, long))
                if seen[1] != long:
                    bad.append(f"{short}: {seen[0]} {seen[1]}, {prog} {long}")
    return bad

LONG = r"(?<![\w-])--[a-z][a-z0-9-]*"
SHORT = r"(?<![\w-])-[A-Za-z](?![\w-])"

def man(rows, path):
    text = open(path).read()
    longs = set(re.findall(LONG, text))
    shorts = {t for span in re.findall(r"\*([^*\n]+)\*", text) for t in re.findall(SHORT, span)}
    bad = []
    for long, (short, shown) in rows.items():
        if shown and long not in longs and short not in shorts:
            bad.append(f"{long} is missing")
    known_short = {s for s, _ in rows.values() if s}
    bad += [f"{f} is not in the table" for f in sorted(longs - set(rows))]
    bad += [f"{f} is not in the table" for f in sorted(shorts - known_short)]
    return bad

def completion(rows, path):
    got = set(open(path).read().split())
    want = {long for long, (_, shown) in rows.items() if shown}
    return ([f"{f} is missing" for f in sorted(want - got)] +
            [f"{f} is not in the table" for f in sorted(got - set(rows))])

def readme(tables, path, section, programs):
    """Flags named in README's section: in its text (long ones), its inline
    code and its fenced lines that run a program (short ones)."""
    parts = re.split(r"^## ", open(path).read(), flags=re.M)
    text = next(p for p in parts if p.split("\n")[0] == section)
    longs = set(re.findall(LONG, text))
    code = re.findall(r"`([^`\n]+)`", text)
    code += [l for l in text.split("\n") if l.split(" ")[0] in programs]
    shorts = {t for c in code for t in re.findall(SHORT, c)}
    bad = []
    for prog in programs:
        rows = tables[prog]
        known_short = {s for s, _ in rows.values() if s}
        bad += [f"{f} is not a flag of {prog}" for f in sorted(longs - set(rows))]
        bad += [f"{f} is not a flag of {prog}" for f in sorted(shorts - known_short)]
    return bad

what, *args = sys.argv[1:]
if what == "man":
    bad = man(table(args[0]), args[1])
elif what == "meanings":
    bad = meanings(args)
elif what == "completion":
    bad = completion(table(args[0]), args[1])
else:
    section, programs = args[0], args[1].split(",")
    tables = {p: table(f"{args[2]}/{p}.flags") for p in programs}
    bad = readme(tables, args[3], section, programs)
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

programs="generator consumer delete-records"

# The completion's answer to "PROGRAM --<TAB>", one word a line.
complete_words() { # PROGRAM
	bash -c '. "$1"; COMP_WORDS=("$2" --); COMP_CWORD=1; _ktrio_complete; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$KT_REPO/completions/ktrio.bash" "$1"
}

list_options() { # PROGRAM
	expect_status 0 "$KT_BIN/$1" --list-options
	cp "$WORK/out" "$WORK/$1.flags"
	expect_grep "^--help -h - shown$" "$WORK/$1.flags"
	# The list is the table getopt takes: getopt knows each flag it names
	# (asked in a way that runs nothing: a value where none is taken, or
	# none where one is needed).
	local long arg
	while read -r long _ arg _; do
		if [ "$arg" = - ]; then
			expect_status 2 "$KT_BIN/$1" "$long=x"
			expect_grep "option '$long' does not take a value" "$WORK/err"
		else
			expect_status 2 "$KT_BIN/$1" "$long"
			expect_grep "option '$long' requires a value" "$WORK/err"
		fi
	done <"$WORK/$1.flags"
}
in_man_page() { # PROGRAM
	python3 "$WORK/check.py" man "$WORK/$1.flags" "$KT_REPO/docs/$1.1.scd" ||
		fail "docs/$1.1.scd and the table differ"
}
in_completion() { # PROGRAM
	complete_words "$1" >"$WORK/$1.completion"
	python3 "$WORK/check.py" completion "$WORK/$1.flags" "$WORK/$1.completion" ||
		fail "the completion of $1 and the table differ"
}
for p in $programs; do
	test_case "$p: --list-options prints the table getopt takes" list_options $p
	test_case "$p: every flag of the table is in $p.1, and nothing else is" in_man_page $p
	test_case "$p: the bash completion offers exactly the table's flags" in_completion $p
done

in_readme() { # SECTION PROGRAMS
	python3 "$WORK/check.py" readme "$1" "$2" "$WORK" "$KT_REPO/README.md" ||
		fail "README's section '$1' names a flag that does not exist"
}
for p in $programs; do
	test_case "$p: every flag README's section names exists" in_readme "$p" "$p"
done
test_case "all programs: every flag README's configuration section names exists in all three" \
	in_readme "Configuration (all three programs)" "${programs// /,}"

one_meaning() {
	python3 "$WORK/check.py" meanings "$WORK/generator.flags" "$WORK/consumer.flags" \
		"$WORK/delete-records.flags" || fail "a spelling means two things"
}
test_case "all programs: a spelling shown by two programs means the same in both" one_meaning

# The old spellings (issue 17, item 9), each in a command that runs without
# a broker: the run works as with the new spelling, with one warning line.
old_key() {
	local gen=("$KT_BIN/generator" -n -c 2 --seed 1 --start-time 1700000000000)
	expect_status 0 "${gen[@]}" --key-field category
	cp "$WORK/out" "$WORK/new.out"
	expect_status 0 "${gen[@]}" --key category --key category
	cmp -s "$WORK/out" "$WORK/new.out" || fail "--key and --key-field differ"
	expect_grep "^generator: warning: option '--key' is deprecated: use '--key-field'" "$WORK/err"
	expect_eq "deprecation lines" 1 "$(grep -c deprecated "$WORK/err")"
	expect_status 2 "${gen[@]}" --key nosuchfield
	expect_grep "invalid value 'nosuchfield' for --key-field: no such field" "$WORK/err"
}
test_case "generator: --key (old spelling of --key-field) works and warns once" old_key
old_partitions() {
	# No broker answers on port 9: the warning comes before the connect.
	expect_status 1 "$KT_BIN/delete-records" -b 127.0.0.1:9 --connect-timeout 200ms -t x \
		--partitions 0 --partitions 1 --before-offset 1 --dry-run
	expect_grep "^delete-records: warning: option '--partitions' is deprecated: use '--partition'" "$WORK/err"
	expect_eq "deprecation lines" 1 "$(grep -c deprecated "$WORK/err")"
	expect_status 2 "$KT_BIN/delete-records" -t x --partitions 4-2 --before-offset 1
	expect_grep "invalid value '4-2' for --partition:" "$WORK/err"
}
test_case "delete-records: --partitions (old spelling of --partition) works and warns once" old_partitions
