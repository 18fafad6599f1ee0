# Consistency rules for the host test (tests/host/watch.sh). Each rule returns the list of
# its violations, as words; an empty list passes. Inputs, set by the caller:
#   $table   the hook table, from include/imswatch_hooks.h through the C preprocessor:
#            {hooks: [{id, name, groups, reveals, standby, fentry, fexit, kprobe,
#            kretprobe, raw_tp}], groups: [{name, label, shows}]}
#   $facts   what this machine offers, read without imswatch: {tracing: bool|null (an
#            fexit program can load: bpftool feature probe), kprobes: bool (kprobe PMU or
#            kprobe_events), sym: {name: {btf: bool|null, kallsyms: "exact"|"clone"|
#            "absent"}}, tp: {name: bool|null (btf_trace_<name> in BTF, or tracefs)}}
#   $attach  the --attach preference of the run (auto, fentry or kprobe): a preference, so
#            a hook without the preferred variant still tries the other
# and the records of one watch run as the input (an array).

def status: first(.[] | select(.type == "status"));
def summary: first(.[] | select(.type == "summary"));
def row($name): first($table.hooks[] | select(.name == $name));
def hook($st; $name): first($st.hooks[] | select(.name == $name));
def primary($h): if $h.standby == "IMSW_NO_HOOK" then null
	else ($h.standby | ltrimstr("IMSW_HOOK_")) as $id | first($table.hooks[] | select(.id == $id)) end;

# is what hook H reveals seen, by H or an attached hook with the same words?
def revealed($st; $h): any($table.hooks[] | select(.reveals == $h.reveals);
	hook($st; .name).attached);

def coverage($st; $g):
	[$table.hooks[] | select(.groups | index($g))] as $hs
	| [$hs[] | revealed($st; .)] as $r
	| if all($r[]; .) then "full" elif any($r[]; .) then "partial" else "blind" end;

# every hook of the table, in order, in status and summary; none without a reason
def rule_counts:
	status as $st | summary as $sm | [$table.hooks[].name] as $names
	| [ if ([$st.hooks[].name] != $names) then "status hooks[] \([$st.hooks[].name]) != table \($names)" else empty end,
	    if ([$sm.hooks[].name] != $names) then "summary hooks[] differ from the table" else empty end,
	    if ([$st.hooks[] | select(.attached)] | length) + ([$st.hooks[] | select(.attached | not)] | length) != ($names | length)
	    then "attached + blind != \($names | length)" else empty end,
	    ($st.hooks[] | select((.attached | not) and ((.reason // "") | length) < 10) | "\(.name): blind without a reason"),
	    ($sm.hooks[] | . as $s | select(hook($st; $s.name).attached != $s.attached) | "\(.name): attached differs between status and summary") ];

# function hooks: attached only through a variant this machine offers; blind with the reason
# the machine gives
def rule_functions:
	status as $st
	| [ $table.hooks[] | select(.raw_tp == null) | . as $h | hook($st; $h.name) as $s
	    | $facts.sym[$h.name] as $f | primary($h) as $p
	    | ($h.fexit != null and ($attach != "kprobe" or $h.kprobe == null)) as $try_f
	    | ($h.kprobe != null and ($attach != "fentry" or $h.fexit == null)) as $try_k
	    | ($try_f and $f.btf == true and $facts.tracing != false) as $can_f
	    | ($try_k and $facts.kprobes and $f.kallsyms == "exact") as $can_k
	    | if $p != null and hook($st; $p.name).attached then
		(if $s.attached then "\($h.name): attached although \($p.name) covers it" else empty end,
		 if ($s.reason | startswith("standby")) then empty else "\($h.name): not said to be standby: \($s.reason)" end)
	      elif $s.attached then
		(if $s.mode == "fentry" and ($can_f | not) then "\($h.name): attached as fentry, but this machine offers no fentry for it (\($f))"
		 elif $s.mode == "kprobe" and ($can_k | not) then "\($h.name): attached as kprobe, but this machine offers no kprobe for it (\($f))"
		 else empty end)
	      elif ($can_f or $can_k) then
		(if ($s.reason | test("load failed|attach failed")) then empty
		 else "\($h.name): could attach here (fentry \($can_f), kprobe \($can_k)) but is blind without a load or attach failure: \($s.reason)" end)
	      else
		(if $h.fexit != null and ($try_f | not) and ($s.reason | contains("fentry: not tried (--attach kprobe)") | not)
		   then "\($h.name): fentry not tried under --attach \($attach), reason does not say so: \($s.reason)" else empty end,
		 if $h.kprobe != null and ($try_k | not) and ($s.reason | contains("kprobe: not tried (--attach fentry)") | not)
		   then "\($h.name): kprobe not tried under --attach \($attach), reason does not say so: \($s.reason)" else empty end,
		 if $try_f and $f.btf == false and ($s.reason | contains("\($h.name) not in kernel or module BTF") | not)
		   then "\($h.name): absent from BTF, reason does not say so: \($s.reason)" else empty end,
		 if $try_f and $f.btf == true and $facts.tracing == false and ($s.reason | test("fentry: (kernel refused|load failed)") | not)
		   then "\($h.name): tracing programs refused here, reason does not say so: \($s.reason)" else empty end,
		 if $try_k and ($facts.kprobes | not) and ($s.reason | contains("kprobe: kernel has no kprobe support") | not)
		   then "\($h.name): no kprobes here, reason does not say so: \($s.reason)" else empty end,
		 if $try_k and $facts.kprobes and $f.kallsyms == "absent" and ($s.reason | contains("not in /proc/kallsyms") | not)
		   then "\($h.name): absent from kallsyms, reason does not say so: \($s.reason)" else empty end,
		 if $try_k and $facts.kprobes and $f.kallsyms == "clone" and ($s.reason | contains("compiler clone") | not)
		   then "\($h.name): only a compiler clone in kallsyms, reason does not say so: \($s.reason)" else empty end)
	      end ];

# a tracepoint this kernel has must attach; one it lacks is blind and says so
def rule_tracepoints:
	status as $st
	| [ $table.hooks[] | select(.raw_tp != null) | . as $h | hook($st; $h.name) as $s
	    | ($h.name | split(":")[1]) as $tp | $facts.tp[$tp] as $exists
	    | if $exists == true and ($s.attached | not) then "\($h.name): the kernel has it, but it is blind: \($s.reason)"
	      elif $exists == false and $s.attached then "\($h.name): attached, but the kernel has no such tracepoint"
	      elif $exists == false and ($s.reason | contains("not in this kernel") | not) then "\($h.name): reason does not say it is missing: \($s.reason)"
	      else empty end ];

# blind[]: one item per thing no attached hook reveals, plus the kretprobe caveat
def rule_blind:
	status as $st
	| ([$table.hooks[] | select(revealed($st; .) | not) | .reveals] | reduce .[] as $r ([]; if index([$r]) then . else . + [$r] end)) as $want
	| (any($table.hooks[]; .kretprobe != null and (hook($st; .name) | .attached and .mode == "kprobe"))) as $kret
	| [$st.blind[] | select(startswith("kretprobe returns") | not)] as $got
	| [ if $got != $want then "blind[] \($got) != expected \($want)" else empty end,
	    if ($kret != any($st.blind[]; startswith("kretprobe returns"))) then "kretprobe caveat \(if $kret then "missing" else "present without kretprobes" end)" else empty end ];

# the summary's coverage per group follows from which hooks attached
def rule_coverage:
	status as $st | summary as $sm
	| [ $table.groups[] | .name as $g | coverage($st; $g) as $want
	    | if $sm.coverage[$g] != $want then "coverage.\($g) = \($sm.coverage[$g]), hooks say \($want)" else empty end ];

# the blind line: on stderr ($err) and in the status record iff a group is blind, naming it
def rule_blind_line($err):
	status as $st
	| [$table.groups[] | select(coverage($st; .name) == "blind")] as $blind
	| [$err | split("\n")[] | select(startswith("imswatch: blind: "))] as $lines
	| [ if ($blind | length) > 0 then
	      (if ($lines | length) != 1 then "\($lines | length) 'imswatch: blind:' lines on stderr, want 1" else empty end,
	       if ($lines[0] // "" | ltrimstr("imswatch: blind: ")) != $st.blind_summary then "stderr line and status.blind_summary differ" else empty end,
	       ($blind[] | . as $g
		| "no \($g.label) hook attached (\([$table.hooks[] | select(.groups | index($g.name)) | .name] | join(", "))): \($g.shows) cannot be seen" as $want
		| if ($st.blind_summary // "" | contains($want)) then empty else "blind_summary lacks '\($want)'" end))
	    else
	      (if ($lines | length) != 0 then "a blind line without a blind group" else empty end,
	       if $st.blind_summary != null then "blind_summary without a blind group" else empty end)
	    end ];

# ---- platform: the verdicts follow from the signals they list (README, "Precedence") ----

def q1_expected:
	.signals as $s
	| if any($s[]; .indicates == "host" and .strength == "strong") then ["probably-host"]
	  elif any($s[]; .indicates == "guest" and .strength == "strong") then ["definitely-guest"]
	  elif any($s[]; .indicates == "guest" and .strength == "medium") then ["probably-guest"]
	  else ["probably-host", "unknown"] end;

# input: a platform object; $cpuinfo_hv: the kernel's "hypervisor" flag in /proc/cpuinfo
def rule_platform($cpuinfo_hv):
	. as $p
	| [$p.signals[] | select(.source == "cpuid" and (.key | test("signature")) and .names != null) | .names] as $sigs
	| [ if ($p | q1_expected | index([$p.q1.verdict])) == null then "Q1 \($p.q1.verdict), its signals call for \($p | q1_expected)" else empty end,
	    if $p.seed.probably_on_bare_metal != (($p.seed.cpuid_hypervisor_bit or $p.seed.dmi_hypervisor_vendor) | not)
	    then "seed verdict \($p.seed.probably_on_bare_metal) but hypervisor bit \($p.seed.cpuid_hypervisor_bit), DMI vendor \($p.seed.dmi_hypervisor_vendor)" else empty end,
	    if ($sigs | length) > 0 and (($p.q1.hypervisor // "") | startswith($sigs[0]) | not)
	    then "CPUID signature names \($sigs[0]), Q1 names \($p.q1.hypervisor)" else empty end,
	    if ($p.q1.verdict | test("guest")) and $p.q2.verdict != $p.q1.verdict then "Q1 \($p.q1.verdict) but Q2 \($p.q2.verdict)" else empty end,
	    if $cpuinfo_hv and ($p.seed.cpuid_hypervisor_bit | not) and ($p.q1.contradictions | length) == 0
	    then "the kernel's flags say hypervisor, CPUID bit clear, and no contradiction listed" else empty end,
	    if $cpuinfo_hv and ([$p.signals[] | select(.source == "cpuinfo" and .indicates == "guest")] | length) == 0
	    then "/proc/cpuinfo has the hypervisor flag but no cpuinfo signal says guest" else empty end ];
