# Firmware pull end to end in one process (issue 7): server_runner with the
# firmware repository on 127.0.0.1 UDP, sim_device + client_runner +
# package_fetcher on their own thread; coap:// and mq2m:// (over the LwM2M
# server's UDP link) Package URIs, resume after a "kill", size and path errors.
sirocco_test(NAME test_sirocco_firmware_runner
             SOURCES ${CMAKE_CURRENT_LIST_DIR}/sirocco_firmware_runner_test.cpp
             DEPS sirocco::runtime sirocco::lwm2m_host
             LABELS e2e)

# The same with processes (sirocco_firmware_test.py): sirocco-server
# --firmware-dir, sirocco-client --firmware-dir over MQTT (mosquitto on a free
# port, tests/e2e/mosquitto_fixture.py) and UDP, REST writes of /5/0/1.
# Registered once sirocco-client has the --firmware-dir flag.
file(READ ${CMAKE_SOURCE_DIR}/apps/sirocco-client/options.cpp _fw_client_options)
string(FIND "${_fw_client_options}" "--firmware-dir" _fw_flag_at)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${CMAKE_SOURCE_DIR}/apps/sirocco-client/options.cpp)
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND AND TARGET sirocco-server AND TARGET sirocco-client
   AND NOT _fw_flag_at EQUAL -1)
  foreach(case coap mq2m mq2m_kill_resume mq2m_broker_restart errors)
    add_test(NAME e2e_sirocco_firmware_${case}
             COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/sirocco_firmware_test.py
                     $<TARGET_FILE_DIR:sirocco-server> ${case})
    set_tests_properties(e2e_sirocco_firmware_${case} PROPERTIES LABELS e2e TIMEOUT 600)
  endforeach()
endif()
