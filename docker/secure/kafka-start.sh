#!/bin/sh
# Entry point of the secured Kafka container (docker-compose.secure.yml): server.properties plus the broker's
# logins from a secret, storage formatted with one SCRAM-SHA-512 user per principal (only on an empty data volume),
# then the broker. The SCRAM passwords are on the format tool's command line for its few seconds (Kafka takes them
# no other way); nothing else puts a password in argv.
set -eu
umask 077
conf=/tmp/server.properties
cat /opt/saga/server.properties /run/secrets/kafka-jaas.properties > "$conf"
# The principals of packages/stack/src/secure.ts PRINCIPALS (test/compose-secure.unit.spec.ts checks the list).
set --
for p in admin order payment inventory shipping registry cli; do
  set -- "$@" --add-scram "SCRAM-SHA-512=[name=$p,password=$(cat "/run/secrets/kafka-$p.password")]"
done
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted -t "$CLUSTER_ID" -c "$conf" "$@" >/dev/null
exec /opt/kafka/bin/kafka-server-start.sh "$conf"
