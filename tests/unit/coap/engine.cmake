# The CoAP exchange engine (engine.hpp): fake clock, no sockets.
sirocco_test(NAME test_coap_engine
             SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_engine.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_engine_block.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_engine_observe.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_engine_stream.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_engine_limits.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_engine_robust.cpp
             DEPS sirocco::coap)
