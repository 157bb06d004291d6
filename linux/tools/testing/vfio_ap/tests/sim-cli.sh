#!/bin/bash
# vfio-ap-sim as a program: bad options refused, --daemon with a pid file,
# the admin client, mdevctl's --define, and SIGTERM stopping it cleanly.
# Usage: sim-cli.sh VFIO-AP-SIM
sim=$1
dir=$(mktemp -d /tmp/vfio-ap-sim-cli-XXXXXX)
uuid=aaaabbbb-0000-0000-0000-000000000001
passed=0 failed=0
check() {		# $1: what, then the command that must succeed
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then
		passed=$((passed + 1)); echo "ok - $what"
	else
		failed=$((failed + 1)); echo "not ok - $what"
	fi
}
refused() { ! "$@"; }

check "no --dir refused" refused "$sim"
check "an unknown option refused" refused "$sim" --dir "$dir" --bogus
check "--daemon without --pidfile refused" refused "$sim" --dir "$dir" --daemon
check "a bad host list refused" refused "$sim" --dir "$dir" --adapters 0-300
check "--irqs other than 1, 2 or 3 refused" refused "$sim" --dir "$dir" --irqs 4
check "--regions other than 0 or 1 refused" refused "$sim" --dir "$dir" --regions 2
check "a card type outside CEX4-CEX8 refused" refused "$sim" --dir "$dir/bad" --card 1=15
check "a card without a type refused" refused "$sim" --dir "$dir/bad" --card 1
check "--card-workers 0 refused" refused "$sim" --dir "$dir" --card-workers 0
check "--card-workers 5 refused" refused "$sim" --dir "$dir" --card-workers 5
check "--card-workers 2x refused" refused "$sim" --dir "$dir" --card-workers 2x
check "an unknown fault refused" refused "$sim" --dir "$dir" --x-fault bogus
check "an unknown hostile mode refused" refused "$sim" --dir "$dir" --x-hostile bogus
check "a hostile share of 0% refused" refused "$sim" --dir "$dir" --x-hostile cut:0
check "a hostile share of 101% refused" refused "$sim" --dir "$dir" --x-hostile cut:101
check "a hostile seed of 0 refused" refused "$sim" --dir "$dir" --x-hostile random:5:0
check "--sysfs on a missing folder refused, saying why" bash -c \
	"out=\$('$sim' --dir '$dir/nosysfs' --sysfs '$dir/no/such' 2>&1);
	 [ \$? = 1 ] && grep -q 'cannot mount: No such file' <<<\"\$out\""
printf '{"mdev_type":"vfio_ap-passthrough","attrs":[{"assign_adapter":"0x02"},{"assign_domain":"0x0003"}]}' \
	> "$dir/def.json"
check "--daemon returns once it serves" \
	"$sim" --dir "$dir/run" --daemon --pidfile "$dir/pid" --define "$uuid=$dir/def.json" \
	--card-workers 2 --card-idle
pid=$(cat "$dir/pid" 2>/dev/null)
check "the pid file names a live process" kill -0 "${pid:-0}"
check "the mdevctl definition was applied" \
	bash -c "'$sim' --dir '$dir/run' --admin read $uuid matrix | grep -qx 02.0003"
check "an admin error exits 1" refused "$sim" --dir "$dir/run" --admin read nosuch matrix
check "admin sets a card type" "$sim" --dir "$dir/run" --admin card 3 12
check "admin refuses a card type beyond CEX8" refused "$sim" --dir "$dir/run" --admin card 3 15
check "admin refuses an adapter beyond 255" refused "$sim" --dir "$dir/run" --admin card 256 12
check "the mdev's socket is served" test -S "$dir/run/$uuid.sock"
inodes() { stat -c %i "$dir/run/admin.sock" "$dir/run/$uuid.sock" "$dir/run/mdevs/$uuid.json"; }
before=$(inodes)
second=$(timeout 5 "$sim" --dir "$dir/run" --mdev ${uuid%1}3 2>&1)
rc=$?
check "a second simulator on the same directory is refused" test "$rc" = 1
check "and says who holds it" \
	bash -c "echo '$second' | grep -q 'in use by another vfio-ap-sim (pid ${pid:-0})'"
check "and touched nothing: sockets, definition and lock as they were" \
	bash -c "test '$(inodes)' = '$before' && test \"\$(cat '$dir/run/lock')\" = '${pid:-0}'"
check "the first one still serves" "$sim" --dir "$dir/run" --admin read $uuid matrix
mkfifo "$dir/fifo"
check "a definition that is a FIFO is refused at once, not read" \
	bash -c "timeout 5 '$sim' --dir '$dir/run' --admin define ${uuid%1}2 '$dir/fifo' 2>&1 |
		grep -q 'not a regular file'"
check "and the server still answers" "$sim" --dir "$dir/run" --admin list
kill -TERM "${pid:-0}" 2>/dev/null
for _ in $(seq 200); do kill -0 "${pid:-0}" 2>/dev/null || break; sleep 0.02; done
check "SIGTERM stops it" refused kill -0 "${pid:-0}"
check "and it takes its pid file and sockets away" \
	bash -c "! test -e '$dir/pid' && ! test -e '$dir/run/$uuid.sock' && ! test -e '$dir/run/admin.sock'"
check "a restart in the same directory" \
	"$sim" --dir "$dir/run" --daemon --pidfile "$dir/pid"
check "creates the defined mdev again, with its attributes" \
	bash -c "'$sim' --dir '$dir/run' --admin read $uuid matrix | grep -qx 02.0003"
check "undefine forgets the definition" "$sim" --dir "$dir/run" --admin undefine $uuid
check "undefine of an unknown mdev is refused" \
	refused "$sim" --dir "$dir/run" --admin undefine $uuid
check "undefine of a name outside the folder is refused" \
	refused "$sim" --dir "$dir/run" --admin undefine ../lock
stop() {
	local pid
	pid=$(cat "$dir/pid" 2>/dev/null)
	kill -TERM "${pid:-0}" 2>/dev/null
	for _ in $(seq 200); do kill -0 "${pid:-0}" 2>/dev/null || break; sleep 0.02; done
}
stop
"$sim" --dir "$dir/run" --daemon --pidfile "$dir/pid" 2>/dev/null
check "after undefine and a restart, the mdev is gone" \
	refused "$sim" --dir "$dir/run" --admin read $uuid matrix
stop
rm -rf "$dir"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
