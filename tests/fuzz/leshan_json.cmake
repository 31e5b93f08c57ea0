# libFuzzer target for the REST API's JSON body parsers (runtime/leshan_json),
# seeded with tests/vectors/rest. The fuzz build has no runtime/ library, so
# the one source file is compiled in here.
find_package(nlohmann_json 3 QUIET)
if(nlohmann_json_FOUND)
  sirocco_fuzzer(NAME leshan_json
                 SOURCES fuzz_leshan_json.cpp ../../runtime/src/leshan_json.cpp
                 DEPS sirocco::server sirocco::codec sirocco::lwm2m nlohmann_json::nlohmann_json
                 CORPUS tests/vectors/rest)
  target_include_directories(fuzz_leshan_json PRIVATE ${CMAKE_SOURCE_DIR}/runtime/include)
endif()
