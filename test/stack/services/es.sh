# shellcheck shell=bash
# Elasticsearch 8 from the integ-test zip on Maven Central (the only ES 8 distribution published there).
# That zip has no bundled JDK and only the modules transport-netty4, x-pack-core, x-pack-security and apm:
# see test/stack/README.md for what this means for the service code.

ES_HOME=$STACK_DIR/elasticsearch-$ES_VERSION
ES_STATE=$STACK_DIR/es

# ES runs as $ES_USER, which must be able to reach its files. When the project lives below a directory that
# user cannot traverse (e.g. a clone under /root, mode 700), the ES tree and data go to /var/tmp instead.
es_locate() {
  is_root || return 0
  ensure_es_user
  mkdir -p "$STACK_DIR"
  if ! setpriv --reuid="$ES_USER" --regid="$ES_USER" --init-groups test -x "$STACK_DIR"; then
    local alt
    alt=/var/tmp/flinkwatch-stack-$(echo "$STACK_DIR" | sha256sum | cut -c1-8)
    [[ $ES_HOME == "$alt"/* ]] || log "es: $ES_USER cannot reach $STACK_DIR; using $alt for Elasticsearch"
    mkdir -p "$alt"
    ES_HOME=$alt/elasticsearch-$ES_VERSION
    ES_STATE=$alt/es
  fi
}

es_install() {
  es_locate
  [[ -x $ES_HOME/bin/elasticsearch ]] && return 0
  local zip=$STACK_DIR/dl/elasticsearch-$ES_VERSION.zip
  if [[ ! -f $zip ]]; then
    log "es: fetching org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip"
    mvn_run "$MVN_DEP_PLUGIN:copy" \
      -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
      -DoutputDirectory="$STACK_DIR/dl"
  fi
  rm -rf "$ES_HOME.tmp"
  mkdir -p "$ES_HOME.tmp"
  unzip -q "$zip" -d "$ES_HOME.tmp"
  mv "$ES_HOME.tmp/elasticsearch-$ES_VERSION" "$ES_HOME"
  rmdir "$ES_HOME.tmp"
  # the zip stays in the Maven local repository; no need for a second 100 MB copy
  rm -f "$zip"
}

es_configure() {
  es_locate
  mkdir -p "$ES_STATE/data" "$ES_STATE/logs" "$ES_STATE/tmp"
  cat >"$ES_HOME/config/elasticsearch.yml" <<EOF
cluster.name: flinkwatch-test
node.name: es-1
# never combine with cluster.initial_master_nodes
discovery.type: single-node
# loopback => development mode: bootstrap checks (vm.max_map_count, ...) only warn
network.host: 127.0.0.1
http.port: $ES_PORT
transport.port: $ES_TRANSPORT_PORT
path.data: $ES_STATE/data
path.logs: $ES_STATE/logs
# 8.x enables security (TLS + auth) by default and auto-configures it on first start
xpack.security.enabled: false
# CI disks can be nearly full; the default watermarks would then block shard allocation (red/yellow forever)
cluster.routing.allocation.disk.threshold_enabled: false
action.auto_create_index: true
# deleting indices by wildcard is what tests do to clean up
action.destructive_requires_name: false
EOF
  # a fixed heap: ES would otherwise take half of the machine's RAM
  cat >"$ES_HOME/config/jvm.options.d/heap.options" <<'EOF'
-Xms1g
-Xmx1g
EOF
  # ES writes its keystore into config/ and gc logs below its home: the whole tree belongs to the ES user
  if is_root; then
    chown -R "$ES_USER:$ES_USER" "$ES_HOME" "$ES_STATE"
  fi
}

es_start() {
  proc_alive es && return 0
  require_free_port es "$ES_PORT"
  require_free_port es "$ES_TRANSPORT_PORT"
  local cmd=()
  # setpriv execs (no extra parent process) and --reset-env drops root's environment
  is_root && cmd=(setpriv --reuid="$ES_USER" --regid="$ES_USER" --init-groups --reset-env --)
  # the zip has no bundled jdk/: ES_JAVA_HOME is mandatory (JAVA_HOME is ignored with a warning)
  cmd+=(env ES_JAVA_HOME="$JAVA_HOME" ES_TMPDIR="$ES_STATE/tmp" "$ES_HOME/bin/elasticsearch")
  start_proc es "$LOG_DIR/es.log" "${cmd[@]}"
}

es_health_status() {
  curl -fsS -m 3 "$ES_URL/_cluster/health" 2>/dev/null | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p'
}

es_healthy() {
  proc_alive es || return 1
  local s
  s=$(es_health_status)
  [[ $s == green || $s == yellow ]]
}

es_wait() { wait_for es 180 "cluster health green/yellow" es_healthy; }

# Single node: an index with the default 1 replica stays yellow forever. A legacy (v1) template is the one
# way to default replicas to 0 without interfering with the service's own templates: v1 templates only
# apply when no composable (_index_template) template matches, and never clash with them.
es_post_start() {
  curl -fsS -m 10 -X PUT -H 'Content-Type: application/json' "$ES_URL/_template/fw-stack-single-node" \
    -d '{"index_patterns":["*"],"order":-1,"settings":{"index.number_of_replicas":0}}' >/dev/null
}

es_stop() { stop_proc es 60; }
