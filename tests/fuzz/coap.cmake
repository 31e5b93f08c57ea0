# libFuzzer targets for the CoAP message codecs (one per framing). Seeds:
# the annotated vectors of tests/vectors/coap.
foreach(f datagram stream compact)
  sirocco_fuzzer(NAME coap_${f}
                 SOURCES fuzz_coap_${f}.cpp fuzz_coap_common.cpp
                 DEPS sirocco::coap
                 CORPUS tests/vectors/coap)
endforeach()
