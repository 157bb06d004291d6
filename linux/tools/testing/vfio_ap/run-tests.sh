#!/bin/bash
# Run test binaries, show their output, and add up their "N passed, N failed"
# lines into one such line; fail if any test failed or a binary crashed.
variant=$1
shift
passed=0 failed=0 crashed=0
for t in "$@"; do
	echo "# ---- $variant: $(basename "${t%% *}")"
	# an entry may carry arguments: "program arg..."
	out=$($t 2>&1)
	rc=$?
	echo "$out"
	line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	# no summary (it died first), or a bad exit with nothing failed
	if [ -z "$line" ] || { [ $rc -ne 0 ] && [ "${line#* passed, }" = "0 failed" ]; }; then
		echo "# $(basename "${t%% *}") exited $rc without a failing test: counted as a failure"
		crashed=$((crashed + 1))
	fi
	p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
done
failed=$((failed + crashed))
echo "harness-$variant: $passed passed, $failed failed"
[ $failed -eq 0 ]
