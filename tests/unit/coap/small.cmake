# libs/coap built small, as a device simulator holding many engines would
# (sirocco-fleet): no stream framing, 10 options per message, one peer, two
# exchanges. Its own copy of the sources with the macros (the whole program
# must agree on them), so it does not link sirocco::coap.
file(GLOB coap_small_sources ${CMAKE_SOURCE_DIR}/libs/coap/src/*.cpp)
sirocco_test(NAME test_coap_small
             SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_engine_small.cpp ${coap_small_sources}
             DEPS sirocco::base)
target_include_directories(test_coap_small PRIVATE ${CMAKE_SOURCE_DIR}/libs/coap/include)
target_compile_definitions(test_coap_small PRIVATE
    SIROCCO_COAP_STREAM=0 SIROCCO_COAP_MAX_OPTIONS=10 SIROCCO_COAP_MAX_PDU=320
    SIROCCO_COAP_PEERS=1 SIROCCO_COAP_EXCHANGES=2 SIROCCO_COAP_DEDUP=1 SIROCCO_COAP_EVENTS=2
    SIROCCO_COAP_CONTROL=2 SIROCCO_COAP_TEMPLATE_BYTES=64)
