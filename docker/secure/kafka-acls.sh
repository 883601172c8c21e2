#!/bin/sh
# One-shot ACL job of docker-compose.secure.yml: creates every grant of docker/secure/acls.tsv as the admin
# principal. acls.tsv is aclPlan() of packages/stack/src/acls.ts (test/compose-secure.unit.spec.ts keeps them equal).
# CreateAcls is idempotent, so running it again on every `up` is harmless.
set -eu
op_name() {
  case "$1" in
    READ) echo Read ;; WRITE) echo Write ;; DESCRIBE) echo Describe ;; CREATE) echo Create ;; ALL) echo All ;;
    IDEMPOTENT_WRITE) echo IdempotentWrite ;; DESCRIBE_CONFIGS) echo DescribeConfigs ;;
    *) echo "unknown operation $1" >&2; exit 1 ;;
  esac
}
grep -v '^#' /opt/saga/acls.tsv | while IFS='	' read -r principal resource name pattern op; do
  [ -n "$principal" ] || continue
  case "$resource" in
    topic) target="--topic $name" ;;
    group) target="--group $name" ;;
    cluster) target="--cluster" ;;
    *) echo "unknown resource $resource" >&2; exit 1 ;;
  esac
  # $target is unquoted on purpose: "--topic name" is two arguments (names hold no spaces).
  /opt/kafka/bin/kafka-acls.sh --bootstrap-server kafka:9092 --command-config /run/secrets/kafka-admin-client.properties \
    --add --allow-principal "User:$principal" --operation "$(op_name "$op")" $target \
    --resource-pattern-type "$pattern" >/dev/null
  echo "granted $op on $resource $name ($pattern) to $principal"
done
