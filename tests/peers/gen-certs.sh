#!/bin/sh
# gen-certs.sh - per-run test PKI (formats.md 4.5): a CA, a server certificate for
# localhost/127.0.0.1, a client certificate (mutual TLS), and a second, unrelated CA
# (the "wrong CA" of the verification tests). Never used outside tests.
#   usage: gen-certs.sh DIR
# Creates DIR/{ca.pem,ca.key,server.pem,server.key,client.pem,client.key,other-ca.pem}.
set -eu
D=${1:?usage: gen-certs.sh DIR}
mkdir -p "$D"
cd "$D"
q() { "$@" >/dev/null 2>&1 || { echo "gen-certs: failed: $*" >&2; exit 1; }; }

q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
    -subj "/CN=ece-auditd test CA"
q openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days 2 \
    -subj "/CN=unrelated test CA"

printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' > server.ext
q openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost"
q openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
    -days 2 -extfile server.ext

printf 'subjectAltName=DNS:ece-auditd-client\nextendedKeyUsage=clientAuth\n' > client.ext
q openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj "/CN=ece-auditd-client"
q openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem \
    -days 2 -extfile client.ext
chmod 600 ./*.key
rm -f server.csr client.csr
