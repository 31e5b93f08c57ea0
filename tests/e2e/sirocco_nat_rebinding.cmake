# NAT rebinding over DTLS: server_runner and a sim_device + client_runner
# in-process; the client's UDP socket moves to a new port mid-session, with
# and without a DTLS Connection ID (sirocco_nat_rebinding_test.cpp).
sirocco_test(NAME test_sirocco_nat_rebinding
             SOURCES ${CMAKE_CURRENT_LIST_DIR}/sirocco_nat_rebinding_test.cpp
             DEPS sirocco::runtime sirocco::lwm2m_host
             LABELS e2e)
