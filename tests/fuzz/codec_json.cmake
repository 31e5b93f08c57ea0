# libFuzzer targets for text, TLV, SenML JSON, OMA LwM2M JSON, SenML-ETCH
# JSON and the link format (one per decoder), seeded with the vectors of
# tests/vectors/codec/{text,tlv,json,link}. Record formats decode each input
# at several request paths, with and without models.
foreach(spec "text:0:text" "tlv:11542:tlv" "senml_json:110:json" "lwm2m_json:11543:json"
             "senml_etch_json:320:json" "link_format:40:link")
  string(REPLACE ":" ";" parts ${spec})
  list(GET parts 0 name)
  list(GET parts 1 number)
  list(GET parts 2 dir)
  sirocco_fuzzer(NAME codec_${name}
                 SOURCES fuzz_codec_json.cpp
                 DEPS sirocco::codec
                 CORPUS tests/vectors/codec/${dir})
  target_compile_definitions(fuzz_codec_${name} PRIVATE SIROCCO_FUZZ_FORMAT=${number})
endforeach()
