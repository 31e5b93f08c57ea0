# libFuzzer target for the DTLS server side (runtime/src/tls.cpp and
# dtls_server.cpp through sirocco::tls_only, mbedTLS 3.6 from .deps/): raw
# datagrams from a few addresses, a recorded ClientHello with a valid cookie
# mutated, a real PSK handshake (with CID) whose client datagrams are
# mutated one at a time, and TLS stream bytes into an accepted session.
include(mbedtls)
sirocco_fuzzer(NAME dtls_server SOURCES fuzz_dtls_server.cpp
               DEPS sirocco::tls_only
               CORPUS tests/vectors/dtls)
