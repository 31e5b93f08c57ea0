# Data model operations (dm.hpp) and the observe scheduler (observe.hpp).
sirocco_test(NAME test_client_dm
             SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_dm.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_dm_attributes.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_dm_standard.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_observe.cpp
             DEPS sirocco::client sirocco::codec sirocco::lwm2m)
