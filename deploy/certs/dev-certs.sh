#!/usr/bin/env bash
# DEVELOPMENT ONLY. Makes the certificates for mutual TLS between Gatehouse's services in
# docker-compose.yml (`make certs`): a throwaway CA, one certificate per service (server and client,
# named after its compose host, plus localhost and 127.0.0.1) and an admin client certificate for
# the admin CLI (`gatehouse users …` against a remote deployment). P-256 keys, valid 825 days.
#
# Output: secrets/grpc-tls/ (git-ignored, like every file under secrets/). Nothing is overwritten
# unless FORCE=1. The keys are readable by the container user (mode 0644) because compose mounts
# them from this folder as they are: never use these files in production, where certificates come
# from your PKI (e.g. cert-manager: docs/operations.md, certificates).
set -euo pipefail

OUT="${1:-secrets/grpc-tls}"
SERVICES=(proxy auth-bearer auth-basic auth-app auth-apikey)
DAYS=825

command -v openssl >/dev/null || { echo "openssl is missing: install it (apt-get install -y openssl, brew install openssl)" >&2; exit 1; }
if [[ -f "$OUT/ca.crt" && "${FORCE:-0}" != 1 ]]; then
  echo "$OUT/ca.crt exists: keeping the certificates there (FORCE=1 make certs makes new ones)"
  exit 0
fi
mkdir -p "$OUT"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)

openssl req -x509 "${ec[@]}" -keyout "$OUT/ca.key" -out "$OUT/ca.crt" -days "$DAYS" \
  -subj "/CN=Gatehouse development CA (not for production)" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# leaf <name> <common name> <extensions>
leaf() {
  printf '%b' "$3" >"$tmp/$1.ext"
  openssl req "${ec[@]}" -keyout "$OUT/$1.key" -out "$tmp/$1.csr" -subj "/CN=$2" 2>/dev/null
  openssl x509 -req -in "$tmp/$1.csr" -CA "$OUT/ca.crt" -CAkey "$OUT/ca.key" -CAcreateserial -CAserial "$tmp/ca.srl" \
    -out "$OUT/$1.crt" -days "$DAYS" -extfile "$tmp/$1.ext" 2>/dev/null
}
for s in "${SERVICES[@]}"; do
  leaf "$s" "$s" "subjectAltName=DNS:$s,DNS:$s-grpc,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n"
done
leaf admin gatehouse-admin "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n"

# The CA key signs nothing else: remove it so a copied folder cannot mint more credentials.
rm -f "$OUT/ca.key"
chmod 0644 "$OUT"/*.crt "$OUT"/*.key
echo "development certificates written to $OUT (CA, ${SERVICES[*]}, admin)"
