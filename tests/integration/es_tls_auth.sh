#!/bin/bash
# Elasticsearch over TLS with Basic auth: verification on by default (the right CA works,
# a wrong CA and a wrong host name are refused), source.tls.server_name, a wrong password
# named clearly, and the password never appears in any log or in --check-config.
. "$TOP_SRCDIR/tests/integration/common.sh"
sh "$TOP_SRCDIR/tests/peers/gen-certs.sh" "$T/pki" || exit 1
SECRET='s3cr3t-Pa55-zz9'
printf '%s\n' "$SECRET" >"$T/pw"; chmod 600 "$T/pw"
printf 'wrong-password\n' >"$T/badpw"; chmod 600 "$T/badpw"
start_emulator --tls-cert "$T/pki/server.pem" --tls-key "$T/pki/server.key" \
    --user ece-auditd --password "$SECRET" --data "$TOP_SRCDIR/tests/data/ece-samples.ndjson" || exit 1
conf() { # $1 name, $2 url, $3 ca, $4 password file, $5 extra tls
    cat >"$T/$1.conf" <<CONF
source = { url = "$2"; index = "services-logs*"; settle_delay = "0s"; start_at = "beginning";
           timeout = "5s";
           auth = { username = "ece-auditd"; password_file = "$4"; };
           tls = { ca_file = "$3"; $5 }; };
checkpoint = { path = "$T/$1.cp"; };
outputs = ( { name = "f"; type = "file"; path = "$T/$1.out"; } );
CONF
}
conf good "https://localhost:$ES_PORT" "$T/pki/ca.pem" "$T/pw" ""
check "TLS with the right CA and Basic auth: --once delivers" \
    bash -c '"$0" --once -c "$1" 2>"$2" && [ "$(wc -l <"$3")" -ge 20 ]' "$ECE_AUDITD" "$T/good.conf" "$T/good.err" "$T/good.out"
conf sni "https://127.0.0.1:$ES_PORT" "$T/pki/ca.pem" "$T/pw" 'server_name = "localhost";'
check "source.tls.server_name verifies the certificate name while connecting by IP" \
    bash -c '"$0" --once -c "$1" 2>"$2" && [ "$(wc -l <"$3")" -ge 20 ]' "$ECE_AUDITD" "$T/sni.conf" "$T/sni.err" "$T/sni.out"
conf wrongca "https://localhost:$ES_PORT" "$T/pki/other-ca.pem" "$T/pw" ""
timeout 30 "$ECE_AUDITD" --once -c "$T/wrongca.conf" 2>"$T/wrongca.err"; rc=$?
check "a wrong CA is refused (non-zero exit, nothing delivered)" bash -c "[ $rc -ne 0 ] && [ ! -s '$T/wrongca.out' ]"
check "the refusal names the certificate problem" grep -qiE 'certificate|SSL|TLS' "$T/wrongca.err"
conf wrongname "https://127.0.0.1:$ES_PORT" "$T/pki/ca.pem" "$T/pw" 'server_name = "wrong.example";'
timeout 30 "$ECE_AUDITD" --once -c "$T/wrongname.conf" 2>"$T/wrongname.err"; rc=$?
check "a wrong host name is refused" bash -c "[ $rc -ne 0 ] && [ ! -s '$T/wrongname.out' ]"
conf badpw "https://localhost:$ES_PORT" "$T/pki/ca.pem" "$T/badpw" ""
"$ECE_AUDITD" -c "$T/badpw.conf" 2>"$T/badpw.err" &
apid=$!
wait_for grep -qiE '401|auth' "$T/badpw.err"
kill -TERM "$apid"; wait "$apid"
check "a wrong password is logged as an authentication failure naming source.auth" \
    grep -qE 'source\.auth' "$T/badpw.err"
"$ECE_AUDITD" --check-config -c "$T/good.conf" >"$T/cc.out" 2>&1
check "--check-config shows where the password comes from, not the password" \
    bash -c "grep -q '$T/pw' '$T/cc.out' && ! grep -qF '$SECRET' '$T/cc.out'"
check "no log of any run contains the password" bash -c "! grep -rqF '$SECRET' '$T'/*.err"
finish
