# libFuzzer target for the LwM2M server engine: raw CoAP datagrams from
# several peers (Register / Update / Send / responses), with device-management
# requests in between.
sirocco_fuzzer(NAME server_engine SOURCES fuzz_server_engine.cpp
               DEPS sirocco::server sirocco::coap sirocco::codec sirocco::lwm2m
               CORPUS tests/vectors/server)
