# libFuzzer targets for the CBOR-based decoders (one per format), seeded
# with the vectors of tests/vectors/codec/cbor.
foreach(pair "cbor_single:60" "senml_cbor:112" "senml_etch_cbor:322" "lwm2m_cbor:11544")
  string(REPLACE ":" ";" parts ${pair})
  list(GET parts 0 name)
  list(GET parts 1 number)
  sirocco_fuzzer(NAME codec_${name}
                 SOURCES fuzz_codec_cbor.cpp
                 DEPS sirocco::codec
                 CORPUS tests/vectors/codec/cbor)
  target_compile_definitions(fuzz_codec_${name} PRIVATE SIROCCO_FUZZ_FORMAT=${number})
endforeach()
