# sirocco-fleet end to end (sirocco_fleet_test.py, Python 3 stdlib): a real
# sirocco-server (memory store, free ports) and sirocco-fleet as processes;
# the mqtt case starts a mosquitto on a free port. One ctest test per case.
find_package(Python3 COMPONENTS Interpreter)
find_program(SIROCCO_MOSQUITTO mosquitto PATHS /usr/sbin /usr/local/sbin)
if(Python3_Interpreter_FOUND AND TARGET sirocco-server AND TARGET sirocco-fleet)
  set(fleet_cases flags udp dtls)
  if(SIROCCO_MOSQUITTO)
    list(APPEND fleet_cases mqtt)
  endif()
  foreach(case ${fleet_cases})
    add_test(NAME e2e_fleet_${case}
             COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/sirocco_fleet_test.py
                     $<TARGET_FILE_DIR:sirocco-fleet> ${case})
    set_tests_properties(e2e_fleet_${case} PROPERTIES LABELS e2e TIMEOUT 120)
  endforeach()
endif()
