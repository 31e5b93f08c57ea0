# CoAP engine interop with libcoap (Debian libcoap3-bin) over UDP and TCP on
# 127.0.0.1. coap-test-server is our engine behind sockets (lands in bin/).
sirocco_executable(NAME coap-test-server
                   SOURCES ${CMAKE_CURRENT_LIST_DIR}/coap_test_server.cpp
                   DEPS sirocco::coap)
sirocco_test(NAME test_coap_interop
             SOURCES ${CMAKE_CURRENT_LIST_DIR}/coap_interop_test.cpp
             DEPS sirocco::coap
             LABELS interop)
add_dependencies(test_coap_interop coap-test-server)
