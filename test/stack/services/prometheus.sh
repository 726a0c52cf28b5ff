# shellcheck shell=bash
# Prometheus from Debian's package (binary only; the package's own service is never started).

PROM_HOME=$STACK_DIR/prom
PROM_BIN=${FW_STACK_PROMETHEUS_BIN:-/usr/bin/prometheus}

prometheus_install() {
  [[ -x $PROM_BIN ]] || "$STACK_SRC/install-deps.sh" prometheus
}

prometheus_configure() {
  mkdir -p "$PROM_HOME/data" "$PROM_HOME/rules"
  # Scrape targets of job "flinkwatch" come from this file (file_sd): tests add/remove flinkwatch instances
  # by rewriting it (write a temp file + mv, Prometheus watches it). Seeded once, never overwritten.
  if [[ ! -f $PROM_HOME/targets.json ]]; then
    cat >"$PROM_HOME/targets.json" <<EOF
[{"targets": ["$FLINKWATCH_TEST_TARGET"], "labels": {"env": "test"}}]
EOF
  fi
  cat >"$PROM_HOME/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
  scrape_timeout: 1s
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:$AM_PORT']
# tests may drop rule files here and POST /-/reload
rule_files: ['$PROM_HOME/rules/*.yml']
scrape_configs:
  - job_name: flinkwatch
    file_sd_configs:
      - files: ['$PROM_HOME/targets.json']
        refresh_interval: 5s
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:$PROM_PORT']
EOF
}

prometheus_start() {
  proc_alive prometheus && return 0
  require_free_port prometheus "$PROM_PORT"
  # --web.enable-lifecycle: tests can POST /-/reload after changing rules
  start_proc prometheus "$LOG_DIR/prometheus.log" "$PROM_BIN" \
    --config.file="$PROM_HOME/prometheus.yml" --storage.tsdb.path="$PROM_HOME/data" \
    --storage.tsdb.retention.time=2d --web.listen-address="127.0.0.1:$PROM_PORT" \
    --web.enable-lifecycle --log.level=info
}

prometheus_healthy() { proc_alive prometheus && http_ok "$PROM_URL/-/ready"; }
prometheus_wait() { wait_for prometheus 60 "$PROM_URL/-/ready" prometheus_healthy; }
prometheus_post_start() { :; }
prometheus_stop() { stop_proc prometheus 30; }
