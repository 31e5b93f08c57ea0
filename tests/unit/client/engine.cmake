# The client engine (engine.hpp): registration, the CoAP edge, observe,
# Send, queue mode, driven against a scripted server under a fake clock.
sirocco_test(NAME test_client_engine
             SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_engine_registration.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_engine_dm.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_engine_observe.cpp
             DEPS sirocco::client sirocco::codec sirocco::coap sirocco::lwm2m)
