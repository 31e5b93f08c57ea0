# The performance suite's own checks (bench helper):
#  - test_bench_util (unit): bench/loadgen/bench_util.hpp, the latency
#    histogram, the open/closed-loop load shaper, the JSON writer;
#  - e2e_bench_smoke (e2e): `bench/run-all --smoke` with this build's
#    programs into a temp folder: every stage of the suite runs with tiny
#    numbers and the report is written (figures not checked: never timings).
sirocco_test(NAME test_bench_util SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_smoke_util_test.cpp
             LABELS unit)
target_include_directories(test_bench_util PRIVATE ${CMAKE_SOURCE_DIR}/bench/loadgen)
