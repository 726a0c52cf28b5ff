#!/usr/bin/env bash
# Command-line access to the stack's Kafka for tests and humans (see test/stack/tools/StackKafka.java):
#
#   test/stack/kafka-tool.sh ensure-topics my-topic:3 other:1
#   test/stack/kafka-tool.sh delete-topics my-topic other
#   printf 'a,x\nb,y\n' | test/stack/kafka-tool.sh produce fw-input
#   test/stack/kafka-tool.sh consume fw-output [MAX] [TIMEOUT_MS]
#   test/stack/kafka-tool.sh consume-json flink-logs [MAX] [TIMEOUT_MS]   # {"partition","offset","key","value"}
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ -d $KAFKA_HOME/libs ]] || die "Kafka jars missing: run test/stack/up.sh kafka first"
kafka_tool "$@"
