# Firmware pull end to end in one process (issue 7): server_runner with the
# firmware repository on 127.0.0.1 UDP, sim_device + client_runner +
# package_fetcher on their own thread; coap:// and mq2m:// (over the LwM2M
# server's UDP link) Package URIs, resume after a "kill", size and path errors.
sirocco_test(NAME test_sirocco_firmware_runner
             SOURCES ${CMAKE_CURRENT_LIST_DIR}/sirocco_firmware_runner_test.cpp
             DEPS sirocco::runtime sirocco::lwm2m_host
             LABELS e2e)
