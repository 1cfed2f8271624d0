# pki.sh: certificates and kubeconfigs for the e2e cluster, made with openssl. Sourced by
# cluster.sh, which sets PKI, ETC, NODE_NAME, NODE_IP, API_PORT, SERVICE_IP.

# pki_key <file>: an EC P-256 private key, unless it exists.
pki_key() {
  [[ -s $1 ]] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
  chmod 600 "$1"
}

# pki_cert <name> <subject> <extendedKeyUsage> [subjectAltName]: <name>.key and <name>.crt
# signed by the cluster CA, unless both exist.
pki_cert() {
  local name=$1 subj=$2 eku=$3 san=${4:-} ext
  [[ -s $PKI/$name.crt && -s $PKI/$name.key ]] && return 0
  pki_key "$PKI/$name.key"
  ext=$PKI/$name.ext
  {
    echo "basicConstraints = critical, CA:FALSE"
    echo "keyUsage = critical, digitalSignature, keyEncipherment"
    echo "extendedKeyUsage = $eku"
    [[ -z $san ]] || echo "subjectAltName = $san"
  } >"$ext"
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
    -CAcreateserial -days 3650 -sha256 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$ext"
}

# pki_kubeconfig <file> <client cert name> [server]: a kubeconfig using the CA and the client
# certificate <name>.crt/.key by path.
pki_kubeconfig() {
  local file=$1 name=$2 server=${3:-https://127.0.0.1:$API_PORT}
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: curve-e2e
  cluster:
    certificate-authority: $PKI/ca.crt
    server: $server
users:
- name: $name
  user:
    client-certificate: $PKI/$name.crt
    client-key: $PKI/$name.key
contexts:
- name: curve-e2e
  context:
    cluster: curve-e2e
    user: $name
current-context: curve-e2e
EOF
  chmod 600 "$file"
}

# pki_all: the CA, serving and client certificates, the service-account key pair and one
# kubeconfig per client. Existing files are kept, so `up` after `up` reuses them.
pki_all() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  if [[ ! -s $PKI/ca.crt ]]; then
    pki_key "$PKI/ca.key"
    openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=curve-e2e-ca" -days 3650 -sha256 \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
      -out "$PKI/ca.crt" 2>/dev/null
  fi
  pki_cert apiserver "/CN=kube-apiserver" serverAuth \
    "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,DNS:$NODE_NAME,IP:127.0.0.1,IP:$SERVICE_IP,IP:$NODE_IP"
  pki_cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
  pki_cert admin "/O=system:masters/CN=curve-e2e-admin" clientAuth
  pki_cert controller-manager "/CN=system:kube-controller-manager" clientAuth
  pki_cert scheduler "/CN=system:kube-scheduler" clientAuth
  pki_cert kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
  pki_cert kube-proxy "/CN=system:kube-proxy" clientAuth
  if [[ ! -s $PKI/sa.pub ]]; then
    pki_key "$PKI/sa.key"
    openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  fi
  pki_kubeconfig "$ETC/admin.kubeconfig" admin
  pki_kubeconfig "$ETC/controller-manager.kubeconfig" controller-manager
  pki_kubeconfig "$ETC/scheduler.kubeconfig" scheduler
  pki_kubeconfig "$ETC/kubelet.kubeconfig" kubelet
  pki_kubeconfig "$ETC/kube-proxy.kubeconfig" kube-proxy
}
