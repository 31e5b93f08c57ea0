# DTLS and TLS (PSK) interop with libcoap's coap-client-openssl and
# coap-server-openssl (Debian libcoap3-bin, OpenSSL build):
#  - coap-client -u ID -k KEY coaps:// and coaps+tcp:// against
#    coap-test-server (our coap::engine over tls::dtls_server / tls::session):
#    GET, Block2, PUT with Block1, observe;
#  - our engine over a tls::session client against coap-server -k KEY:
#    GET / and /time over coaps:// and coaps+tcp://.
sirocco_test(NAME test_coap_secure_interop
             SOURCES ${CMAKE_CURRENT_LIST_DIR}/coap_secure_interop_test.cpp
             DEPS sirocco::coap sirocco::runtime
             LABELS interop)
add_dependencies(test_coap_secure_interop coap-test-server)
