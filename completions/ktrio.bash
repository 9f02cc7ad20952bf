# Bash completion for ktrio's generator, consumer and delete-records.
_ktrio_complete() {
	local cur prev opts
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	local common="--brokers --topic --property --config --verbose --quiet
		--connect-timeout --help --version"
	case ${COMP_WORDS[0]##*/} in
	generator)
		opts="$common --rate --count --duration --template --schema --seed --start-time
			--key-field --partition --create-topic --partitions --replication-factor --dry-run
			--progress --flush-timeout" ;;
	consumer)
		opts="$common --format --group --instance-id --from-beginning --from-time --until-time --exit-at-end --window --event-time
			--allowed-lateness --idle-timeout --max-future --group-by --stats --distinct --top --columns
			--max-groups --filter --max-record-bytes --threads --partials-to --merge
			--merge-timeout --max-windows --output-topic" ;;
	delete-records)
		opts="$common --format --partition --before-offset --before-time --older-than
			--offset-json-file --key --key-regex --dry-run --yes --timeout" ;;
	esac
	case $prev in
	-F | --config | -s | --schema | --offset-json-file)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--format)
		local formats="table json csv"
		[ "${COMP_WORDS[0]##*/}" = delete-records ] && formats="table json"
		COMPREPLY=($(compgen -W "$formats" -- "$cur"))
		return ;;
	--template)
		COMPREPLY=($(compgen -W "orders sensors clicks" -- "$cur"))
		return ;;
	esac
	COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -F _ktrio_complete generator consumer delete-records
