# CoAP engine interop with libcoap (Debian libcoap3-bin) over UDP and TCP on
# 127.0.0.1. coap-test-server is our engine behind sockets (lands in bin/);
# it also serves DTLS and TLS with PSK (runtime's tls sessions), see
# coap_secure.cmake.
sirocco_executable(NAME coap-test-server
                   SOURCES ${CMAKE_CURRENT_LIST_DIR}/coap_test_server.cpp
                   DEPS sirocco::coap sirocco::runtime)
sirocco_test(NAME test_coap_interop
             SOURCES ${CMAKE_CURRENT_LIST_DIR}/coap_interop_test.cpp
             DEPS sirocco::coap sirocco::runtime
             LABELS interop)
add_dependencies(test_coap_interop coap-test-server)
