# libFuzzer target for the LwM2M client engine: raw CoAP requests from a
# registered server to a client with every standard object.
sirocco_fuzzer(NAME client SOURCES fuzz_client.cpp
               DEPS sirocco::client sirocco::codec sirocco::coap sirocco::lwm2m
               CORPUS tests/vectors/client)
