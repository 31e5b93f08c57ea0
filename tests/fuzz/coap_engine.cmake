# libFuzzer target for the CoAP exchange engine (all three framings), seeded
# with the message vectors.
sirocco_fuzzer(NAME coap_engine SOURCES fuzz_coap_engine.cpp DEPS sirocco::coap
               CORPUS tests/vectors/coap)
