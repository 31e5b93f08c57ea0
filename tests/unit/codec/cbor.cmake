# CBOR-based formats: the CBOR reader/writer, CBOR (60), SenML CBOR (112),
# SenML-ETCH CBOR (322), LwM2M CBOR (11544).
sirocco_test(NAME test_codec_cbor
             SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cbor.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_senml_cbor.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_lwm2m_cbor.cpp
             DEPS sirocco::codec sirocco::lwm2m)
target_include_directories(test_codec_cbor PRIVATE ${CMAKE_SOURCE_DIR}/libs/codec/src)
# Interop: an independent CBOR library (Debian libcbor-dev) decodes what we
# encode, and encodes what we decode (indefinite lengths, half floats).
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(LIBCBOR QUIET IMPORTED_TARGET libcbor)
endif()
if(LIBCBOR_FOUND)
  sirocco_test(NAME test_codec_cbor_interop
               SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cbor_interop.cpp
               DEPS sirocco::codec sirocco::lwm2m PkgConfig::LIBCBOR LABELS interop)
  target_include_directories(test_codec_cbor_interop PRIVATE ${CMAKE_SOURCE_DIR}/libs/codec/src)
else()
  message(WARNING "libcbor not found (apt-get install libcbor-dev): CBOR interop test not built")
endif()
