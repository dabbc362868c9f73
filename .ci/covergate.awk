# Coverage gate over a `go test -coverprofile` file: prints statement coverage per package and fails
# when the total is below `total` percent or any package is below `pkg` percent.
# Usage: awk -v total=90 -v pkg=85 -f .ci/covergate.awk cover.out
NR == 1 && /^mode:/ { next }
{
	split($1, loc, ":")
	file = loc[1]
	dir = file
	sub(/\/[^\/]*$/, "", dir)
	key = loc[1] ":" loc[2]
	stmts = $2 + 0
	count = $3 + 0
	if (!(key in seen)) {
		seen[key] = 1
		n[dir] += stmts
		blockStmts[key] = stmts
		blockDir[key] = dir
	}
	if (count > 0 && !(key in hit)) {
		hit[key] = 1
		c[dir] += stmts
	}
}
END {
	bad = 0
	printf "%-60s %8s %8s\n", "package", "stmts", "cover"
	m = 0
	for (d in n) keys[++m] = d
	# insertion sort for stable output without gawk extensions
	for (i = 2; i <= m; i++) { v = keys[i]; j = i - 1; while (j > 0 && keys[j] > v) { keys[j+1] = keys[j]; j-- }; keys[j+1] = v }
	for (i = 1; i <= m; i++) {
		d = keys[i]
		if (n[d] == 0) continue
		p = 100 * c[d] / n[d]
		mark = ""
		if (p < pkg) { mark = "  < " pkg "% FAIL"; bad = 1 }
		printf "%-60s %8d %7.1f%%%s\n", d, n[d], p, mark
		T += n[d]; C += c[d]
	}
	if (T == 0) { print "no coverage data"; exit 1 }
	pt = 100 * C / T
	mark = ""
	if (pt < total) { mark = "  < " total "% FAIL"; bad = 1 }
	printf "%-60s %8d %7.1f%%%s\n", "total", T, pt, mark
	exit bad
}
