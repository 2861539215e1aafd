# bash completion for pipeproc(1); `make install` puts it into
# PREFIX/share/bash-completion/completions/pipeproc.
#
# Commands and their options come from `pipeproc --help` and
# `pipeproc COMMAND --help`, so this file never falls behind the tool.
# Topic and proc names come from the node (`pipeproc topics`, `pipeproc
# procs`) when one answers at the address of the command line so far.

# _pipeproc_options PROG CMD: the options that `pipeproc CMD --help` names.
_pipeproc_options()
{
	"$1" "$2" --help 2>/dev/null |
	    grep -o -- '\(^\|[[ |]\)--\{0,1\}[a-zA-Z0-9][a-z0-9-]*' |
	    sed 's/^[[ |]//' | grep -- '^-' | sort -u
}

_pipeproc()
{
	local cur prev prog cmd i
	local -a global
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	prog=${COMP_WORDS[0]}
	COMPREPLY=()

	# The command is the first word that is not a global option or its
	# value; the global options before it go to the name lookups.
	cmd=""
	global=()
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-a | -n | --tls-ca | --tls-cert | --tls-key | --token-file)
			global+=("${COMP_WORDS[i]}" "${COMP_WORDS[i + 1]}")
			i=$((i + 1))
			;;
		-*) global+=("${COMP_WORDS[i]}") ;;
		*)
			cmd=${COMP_WORDS[i]}
			break
			;;
		esac
	done

	if [[ -z $cmd ]]; then
		case $prev in
		-a | -n) return 0 ;;
		--tls-ca | --tls-cert | --tls-key | --token-file)
			COMPREPLY=($(compgen -f -- "$cur"))
			return 0
			;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-a -n -h --help --version
			    --tls-ca --tls-cert --tls-key --token-file
			    --insecure-tcp" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$("$prog" --help 2>/dev/null |
			    sed -n 's/^  \([a-z][a-z-]*\).*/\1/p' | sort -u)" \
			    -- "$cur"))
		fi
		return 0
	fi

	case $prev in
	--data | --worker-path | --token-file | --tls-ca | --tls-cert | \
	    --tls-key)
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0
		;;
	--plugin)
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0
		;;
	--on-max-reclaims)
		COMPREPLY=($(compgen -W "disable continue deadletter" -- "$cur"))
		return 0
		;;
	--sync)
		COMPREPLY=($(compgen -W "always none interval:" -- "$cur"))
		return 0
		;;
	--from | --to)
		COMPREPLY=($(compgen -W "$("$prog" "${global[@]}" topics \
		    2>/dev/null | cut -f1)" -- "$cur"))
		return 0
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_pipeproc_options "$prog" "$cmd")" \
		    -- "$cur"))
		return 0
	fi
	# commit -f TOPIC FILE...: files once the topic is there.
	if [[ $cmd == commit ]]; then
		local files=no words=0
		for ((i = i + 1; i < COMP_CWORD; i++)); do
			case ${COMP_WORDS[i]} in
			-f | --files) files=yes ;;
			-D | --delimiter | --producer | --seq | --expect-seq)
				i=$((i + 1))
				;;
			-*) ;;
			*) words=$((words + 1)) ;;
			esac
		done
		if [[ $files == yes && $words -ge 1 ]]; then
			COMPREPLY=($(compgen -f -- "$cur"))
			return 0
		fi
	fi
	case $cmd in
	range | revrange | length | stat | tail | topic-config | \
	    topic-delete | commit | proc | replay)
		COMPREPLY=($(compgen -W "$("$prog" "${global[@]}" topics \
		    2>/dev/null | cut -f1)" -- "$cur"))
		;;
	ack | reclaim | inspect | disable | resume | destroy | wait)
		COMPREPLY=($(compgen -W "$("$prog" "${global[@]}" procs \
		    2>/dev/null | cut -f1)" -- "$cur"))
		;;
	backup)
		COMPREPLY=($(compgen -d -- "$cur"))
		;;
	esac
	return 0
}

complete -F _pipeproc pipeproc
