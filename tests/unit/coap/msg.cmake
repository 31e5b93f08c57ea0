# Message codecs, options, block values and URIs of libs/coap.
sirocco_test(NAME test_coap_msg
             SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_vectors.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_codec.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_options.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_block.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_uri.cpp
             DEPS sirocco::coap)
