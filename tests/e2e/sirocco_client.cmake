# sirocco-client as a process against a fake LwM2M server (coap::engine
# behind a runtime::udp_endpoint) in the test: registration (the host name
# "localhost" resolved by the runtime), the console, a server read, Update,
# SIGTERM de-registration, flag errors (exit status 2).
sirocco_test(NAME test_sirocco_client_e2e
             SOURCES ${CMAKE_CURRENT_LIST_DIR}/sirocco_client_test.cpp
             DEPS sirocco::runtime
             LABELS e2e)
add_dependencies(test_sirocco_client_e2e sirocco-client)
