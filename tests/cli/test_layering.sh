#!/bin/sh
# The layering check (docs/architecture.md): which part of the product may
# include what, and no include circle between modules anywhere. A module is a
# .c file with its .h; module A depends on module B when A's .c or .h
# includes B's header. Each rule prints PASS, or FAIL with the file and the
# include that breaks it.
cd "$(dirname "$0")/../.." || exit 2

# The product's sources (tests are not the product).
files=$(find core forms db tui ctl -name '*.[ch]' | sort)

# "file<TAB>included path" for every #include line, system headers too.
incs=$(for f in $files; do
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]\([^>"]*\)[>"].*/\1/p' "$f" |
		while read -r h; do printf '%s\t%s\n' "$f" "$h"; done
done)

# rule NAME AWK-CONDITION: every include line for which the condition holds
# (with $1 the file, $2 the included path) breaks the rule.
rule() {
	bad=$(printf '%s\n' "$incs" | awk -F '\t' "$2 { printf \"  %s includes %s\\n\", \$1, \$2 }")
	if [ -z "$bad" ]; then
		echo "PASS layering: $1"
	else
		echo "FAIL layering: $1"
		printf '%s\n' "$bad"
	fi
}

curses='$2 ~ /^(n?curses|ncursesw\/|term\.h$|panel\.h$)/'
rule "curses only in tui/term, tui/app and tui/screens" \
	"$curses && \$1 !~ /^tui\\/(term|app|screens)\\//"
rule "sqlite3.h only in db/" \
	"\$2 ~ /^sqlite3(ext)?\\.h\$/ && \$1 !~ /^db\\//"
rule "libpq (libpq-fe.h) only in db/pg, the hall's central store" \
	"\$2 ~ /(^|\\/)libpq-fe\\.h\$/ && \$1 !~ /^db\\/pg\\//"
rule "winscard.h only in the PC/SC reader transport" \
	"\$2 ~ /^(PCSC\\/)?(winscard|pcsclite|reader)\\.h\$/ && \$1 !~ /^core\\/token\\/reader_pcsc\\.c\$/"
rule "core includes only core" \
	"\$1 ~ /^core\\// && \$2 ~ /^(forms|db|tui|ctl)\\//"
rule "forms includes only core and forms" \
	"\$1 ~ /^forms\\// && \$2 ~ /^(db|tui|ctl)\\//"
rule "db includes only core and db" \
	"\$1 ~ /^db\\// && \$2 ~ /^(forms|tui|ctl)\\//"
rule "ctl does not include tui" \
	"\$1 ~ /^ctl\\// && \$2 ~ /^tui\\//"
rule "the flow includes no other part of tui" \
	"\$1 ~ /^tui\\/flow\\// && \$2 ~ /^tui\\/(app|screens|term)\\//"
rule "the terminal toolkit knows no app, flow or screen" \
	"\$1 ~ /^tui\\/term\\// && \$2 ~ /^tui\\/(app|flow|screens)\\//"
rule "the app does not include the screens" \
	"\$1 ~ /^tui\\/app\\// && \$2 ~ /^tui\\/screens\\//"
rule "nothing below the tui includes it" \
	"\$1 !~ /^tui\\// && \$2 ~ /^tui\\//"

# Include circles between modules: a depth-first search over the module
# graph; a back edge is a circle, printed with the includes that make it.
circles=$(printf '%s\n' "$incs" | awk -F '\t' '
	function mod(p) { sub(/\.[ch]$/, "", p); return p }
	$2 ~ /\.h$/ && $2 ~ /^(core|forms|db|tui|ctl)\// {
		a = mod($1); b = mod($2)
		if (a == b) next
		key = a SUBSEP b
		if (!(key in via)) { via[key] = $1 " includes " $2; adj[a] = adj[a] " " b }
		nodes[a] = 1; nodes[b] = 1
	}
	function dfs(u,   n, i, v, list, k, j) {
		state[u] = 1; stack[++depth] = u
		n = split(adj[u], list, " ")
		for (i = 1; i <= n; i++) {
			v = list[i]
			if (state[v] == 1) {
				# the circle: from v on the stack back to v
				for (k = 1; k <= depth; k++) if (stack[k] == v) break
				line = ""
				for (j = k; j < depth; j++) line = line "\n    " via[stack[j] SUBSEP stack[j + 1]]
				line = line "\n    " via[u SUBSEP v]
				if (!(line in seen)) { seen[line] = 1; printf "  circle through %s:%s\n", v, line }
			} else if (state[v] == 0) dfs(v)
		}
		state[u] = 2; depth--
	}
	END { for (m in nodes) if (state[m] == 0) dfs(m) }')
if [ -z "$circles" ]; then
	echo "PASS layering: no include circle between modules"
else
	echo "FAIL layering: include circles"
	printf '%s\n' "$circles"
fi
