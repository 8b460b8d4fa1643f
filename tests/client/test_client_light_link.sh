#!/usr/bin/env bash
# oscore-client links no object of EDHOC or X.509 (docs/DESIGN.md "The
# client split"): what needs them is oscore-client-full's. Checked with
# the linker's result, not by reading the build files: the symbols only
# those objects define, and what oscore-client imports from libcrypto.
# oscore-client-full must show them all, so the checks can fail.
# Arguments: CLIENT CLIENT_FULL
set -u
CLIENT=${1:?oscore-client path}
FULL=${2:?oscore-client-full path}
for tool in nm readelf; do
  if ! command -v "$tool" >/dev/null; then
    echo "1..0 # SKIP $tool (binutils) is not installed"
    exit 77
  fi
done
n=0
fails=0
check() {
  local desc=$1
  shift
  n=$((n + 1))
  if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fails=$((fails + 1)); fi
}

# Functions and data these define: src/edhoc (edhoc_), store_edhoc.c,
# store_cosekey.c, coapx_edhoc_client.c and coapx_edhoc_server.c,
# coapx_pki.c, client_edhoc.c's run (its stand-in in client_light.c
# prints an internal error).
objects_re='^(edhoc_|store_edhoc_|store_cosekey_|store_context_from_edhoc$|coapx_edhoc_|coapx_pki_|coapx_client_enable_pki$|store_enable_edhoc$)'
defined() { nm --defined-only "$1" | awk '{print $3}' | grep -E "$objects_re"; }
# libcrypto's public-key, certificate and PEM functions (ECDH, ECDSA,
# EdDSA, X.509 checks): EDHOC's and coapx_pki's, never OSCORE's.
pubkey_re='^(EVP_PKEY|EVP_DigestSign|EVP_DigestVerify|EC_|ECDSA_|X509|PEM_|BIO_|d2i_|i2d_|BN_|OSSL_DECODER|OSSL_ENCODER)'
imported() {
  nm -D --undefined-only "$1" | awk '{print $2}' | sed 's/@.*//' |
    grep -E "$pubkey_re"
}

light_objs=$(defined "$CLIENT")
check "oscore-client defines nothing of EDHOC, its key files or X.509" \
  [ -z "$light_objs" ]
[ -z "$light_objs" ] || echo "$light_objs" | head -n 20 | sed 's/^/#   /'
check "... while oscore-client-full does (the pattern finds them)" \
  [ -n "$(defined "$FULL" | grep '^edhoc_' | head -n 1)" -a \
    -n "$(defined "$FULL" | grep '^coapx_pki_' | head -n 1)" -a \
    -n "$(defined "$FULL" | grep '^store_cosekey_' | head -n 1)" ]
light_imports=$(imported "$CLIENT")
check "oscore-client imports no public-key, X.509 or PEM function of libcrypto" \
  [ -z "$light_imports" ]
[ -z "$light_imports" ] || echo "$light_imports" | head -n 20 | sed 's/^/#   /'
check "... while oscore-client-full does" [ -n "$(imported "$FULL")" ]

# No libcrypto at all: OSCORE's symmetric crypto and the wiping,
# comparing and random calls are nettle's and ours (docs/DESIGN.md,
# "Crypto libraries"); the full program, with EDHOC and X.509, needs it.
check "oscore-client NEEDS no libcrypto.so" \
  eval '! readelf -d "$CLIENT" | grep NEEDED | grep -q "libcrypto\.so"'
check "... while oscore-client-full does" \
  eval 'readelf -d "$FULL" | grep NEEDED | grep -q "libcrypto\.so"'

echo "1..$n"
[ "$fails" -eq 0 ]
