#!/usr/bin/env bash
# Install the Debian packages the test stack needs (idempotent: a no-op when everything is present).
#
#   test/stack/install-deps.sh [base|prometheus|alertmanager|rsyslog|browser|schemathesis|all]...   (default: all)
#
# Kafka, Elasticsearch and Flink come from Maven Central (fetched by up.sh); only the JDK, Maven, the
# small tools the scripts use and the Prometheus/Alertmanager/rsyslog binaries come from apt.
# schemathesis: python3 with venv and pip; the API test makes its own venv (.stack/venv-schemathesis).
set -euo pipefail

groups=("$@")
((${#groups[@]})) || groups=(all)

pkgs=()
for g in "${groups[@]}"; do
  case $g in
    base) pkgs+=(openjdk-17-jdk-headless maven curl unzip iproute2 procps util-linux) ;;
    prometheus) pkgs+=(prometheus) ;;
    alertmanager) pkgs+=(prometheus-alertmanager) ;;
    rsyslog) pkgs+=(rsyslog rsyslog-kafka rsyslog-elasticsearch) ;;
    browser) pkgs+=(chromium) ;; # the console's end-to-end tests drive it with playwright-core
    schemathesis) pkgs+=(python3 python3-venv python3-pip) ;;
    all) pkgs+=(openjdk-17-jdk-headless maven curl unzip iproute2 procps util-linux
      prometheus prometheus-alertmanager rsyslog rsyslog-kafka rsyslog-elasticsearch chromium
      python3 python3-venv python3-pip) ;;
    *) echo "install-deps.sh: unknown group '$g'" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${pkgs[@]}"; do
  if [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true) != installed ]]; then
    missing+=("$p")
  fi
done
((${#missing[@]})) || exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps.sh: missing packages (${missing[*]}) and not root; install them with apt-get" >&2
  exit 1
fi

echo "[install-deps] installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive

# prometheus/prometheus-alertmanager postinst scripts start their daemons via invoke-rc.d (on 0.0.0.0:9090
# and :9093, the latter clashing with the Kafka controller). policy-rc.d exit 101 = "action forbidden".
# Only a policy file we created ourselves is removed again.
created_policy=
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\n# temporary, created by flinkwatch test/stack/install-deps.sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  created_policy=1
fi
cleanup() { [[ -z $created_policy ]] || rm -f /usr/sbin/policy-rc.d; }
trap cleanup EXIT

# the package lists may be missing or stale on a fresh machine; retry the install once after an update
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/fw-install-deps.log 2>&1; then
  apt-get update -q >>/tmp/fw-install-deps.log 2>&1
  apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/fw-install-deps.log 2>&1 ||
    { tail -n 30 /tmp/fw-install-deps.log >&2; exit 1; }
fi
echo "[install-deps] done" >&2
