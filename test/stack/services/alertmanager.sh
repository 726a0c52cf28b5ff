# shellcheck shell=bash
# Alertmanager from Debian's package, on 127.0.0.1:9095 (9093 is the Kafka controller), no HA gossip.
# Started only when named explicitly: up.sh alertmanager

AM_HOME=$STACK_DIR/am
AM_BIN=${FW_STACK_ALERTMANAGER_BIN:-/usr/bin/prometheus-alertmanager}
# where the default route delivers; tests may rewrite alertmanager.yml and POST /-/reload
AM_WEBHOOK_URL=${FW_STACK_AM_WEBHOOK_URL:-http://127.0.0.1:18081/alerts}

alertmanager_install() {
  [[ -x $AM_BIN ]] || "$STACK_SRC/install-deps.sh" alertmanager
}

alertmanager_configure() {
  mkdir -p "$AM_HOME/data"
  # seeded once, so a test's own routing survives restarts
  if [[ ! -f $AM_HOME/alertmanager.yml ]]; then
    cat >"$AM_HOME/alertmanager.yml" <<EOF
route:
  receiver: hook
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1m
receivers:
  - name: hook
    webhook_configs:
      - url: '$AM_WEBHOOK_URL'
        send_resolved: true
EOF
  fi
}

alertmanager_start() {
  proc_alive alertmanager && return 0
  require_free_port alertmanager "$AM_PORT"
  # empty --cluster.listen-address disables the gossip mesh (it binds 0.0.0.0:9094 and fails on hosts
  # without a private IP: "Failed to get final advertise address")
  start_proc alertmanager "$LOG_DIR/alertmanager.log" "$AM_BIN" \
    --config.file="$AM_HOME/alertmanager.yml" --storage.path="$AM_HOME/data" \
    --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= --log.level=info
}

alertmanager_healthy() { proc_alive alertmanager && http_ok "$AM_URL/-/ready"; }
alertmanager_wait() { wait_for alertmanager 60 "$AM_URL/-/ready" alertmanager_healthy; }
alertmanager_post_start() { :; }
alertmanager_stop() { stop_proc alertmanager 30; }
