# Text, opaque, TLV, link format, JSON formats, format table and dispatcher.
sirocco_test(NAME test_codec_json
             SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_text.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_tlv.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_link_format.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_json_reader.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_senml_json.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_lwm2m_json.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_codec_table.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_traps.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_roundtrip.cpp
             DEPS sirocco::codec sirocco::lwm2m)
target_include_directories(test_codec_json PRIVATE ${CMAKE_SOURCE_DIR}/libs/codec/src)
# Interop: our JSON read by Python's json module, and Python's JSON read by us.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  sirocco_test(NAME test_codec_json_interop
               SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_json_interop.cpp
               DEPS sirocco::codec sirocco::lwm2m LABELS interop)
  target_compile_definitions(test_codec_json_interop PRIVATE SIROCCO_PYTHON3="${Python3_EXECUTABLE}")
endif()
