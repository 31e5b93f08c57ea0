# libFuzzer target for the DDF XML loader (object models), seeded with the
# hand-written DDF vectors and the OMA registry files (read in place).
if(TARGET sirocco_lwm2m_host)
  sirocco_fuzzer(NAME ddf SOURCES fuzz_ddf.cpp DEPS sirocco::lwm2m_host CORPUS tests/vectors/ddf
                 EXTRA_CORPUS ${SIROCCO_REGISTRY_DIR})
endif()
