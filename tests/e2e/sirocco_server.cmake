# sirocco-server end to end (Python 3 stdlib driver, sirocco_server_test.py):
# the server and sirocco-client as processes on 127.0.0.1 (ports picked by
# the OS), a real HTTP client (urllib) and a raw UDP socket. One ctest test
# per case; each makes and removes its own temp folder and kills its children.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND AND TARGET sirocco-server AND TARGET sirocco-client)
  foreach(case flags registration bad_coap expiry restart rest_operations bad_rest docs_curl sigterm_inflight)
    add_test(NAME e2e_sirocco_server_${case}
             COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/sirocco_server_test.py
                     $<TARGET_FILE_DIR:sirocco-server> ${case})
    set_tests_properties(e2e_sirocco_server_${case} PROPERTIES LABELS e2e TIMEOUT 120)
  endforeach()
else()
  message(WARNING "python3 not found: the sirocco-server e2e tests are not registered")
endif()

# server_runner through the device_manager facade, from several threads,
# with a sim_device over UDP; the logger, the clock, a SQLite restart.
sirocco_test(NAME test_sirocco_server_runner
             SOURCES ${CMAKE_CURRENT_LIST_DIR}/sirocco_server_runner_test.cpp
             DEPS sirocco::runtime sirocco::lwm2m_host
             LABELS e2e)
