#!/bin/bash
# SPDX-License-Identifier: ISC
# The physical floor on this machine: sequential fork+exit+wait, fork+exec+exit+wait of
# a static binary, of a dynamic one (/bin/true), of a "#!/bin/sh exec" run script, and
# Python start-up (supervisord's interpreter). Microseconds per operation.
. "$(dirname "$0")/lib.sh"
N=${N:-2000}
printf '#!/bin/sh\nexec %s svc x true\n' "$H" >"$WORK/run-script.sh"; chmod +x "$WORK/run-script.sh"
declare -A cmd=(
	[fork_exit_wait]=""
	[fork_exec_static]="$H svc x true"
	[fork_exec_dynamic_true]="/bin/true"
	[fork_exec_sh_runscript]="$WORK/run-script.sh"
	[fork_exec_python3]="/usr/bin/python3 -S -c pass"
)
for k in fork_exit_wait fork_exec_static fork_exec_dynamic_true fork_exec_sh_runscript fork_exec_python3; do
	meds=()
	n=$N; [ "$k" = fork_exec_python3 ] && n=20
	for ((r = 0; r < REPS; r++)); do
		if [ -z "${cmd[$k]}" ]; then out=$("$H" forkonly "$n"); else out=$("$H" forkexec "$n" ${cmd[$k]}); fi
		meds+=("$(echo "$out" | awk '{print $1}')")
	done
	result baseline host "$k" per_op_median_of_$n us "${meds[@]}"
done
