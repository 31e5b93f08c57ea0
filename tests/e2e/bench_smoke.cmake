# The performance suite's own checks (bench helper):
#  - test_bench_util (unit): bench/loadgen/bench_util.hpp, the latency
#    histogram, the open/closed-loop load shaper, the JSON writer;
#  - e2e_bench_smoke (e2e): `bench/run-all --smoke` with this build's
#    programs into a temp folder: every stage of the suite runs with tiny
#    numbers and the report is written (figures not checked: never timings).
sirocco_test(NAME test_bench_util SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_smoke_util_test.cpp
             LABELS unit)
target_include_directories(test_bench_util PRIVATE ${CMAKE_SOURCE_DIR}/bench/loadgen)

find_package(Python3 COMPONENTS Interpreter)
find_program(SIROCCO_BENCH_MOSQUITTO mosquitto PATHS /usr/sbin /usr/local/sbin)
if(Python3_Interpreter_FOUND AND SIROCCO_BENCH_MOSQUITTO AND SIROCCO_BENCH
   AND EXISTS ${CMAKE_SOURCE_DIR}/apps/sirocco-fleet/CMakeLists.txt)
  add_test(NAME e2e_bench_smoke
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/bench_smoke_test.py
                   ${CMAKE_BINARY_DIR}/bin)
  set_tests_properties(e2e_bench_smoke PROPERTIES LABELS e2e TIMEOUT 600 RUN_SERIAL TRUE)
endif()
