#!/bin/sh
# Installs kubectl from Debian's archive when none is on the PATH (as root, as in CI). The
# Kubernetes manifest test renders deploy/kubernetes offline with `kubectl kustomize`; no
# cluster is contacted.
set -eu
if command -v kubectl >/dev/null 2>&1; then
  echo "provision-kubectl: $(command -v kubectl) present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "provision-kubectl: no kubectl on the PATH and this is not root: apt-get install kubernetes-client" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends kubernetes-client
echo "provision-kubectl: installed $(command -v kubectl)"
