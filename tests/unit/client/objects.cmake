# stored_object and the standard objects, through the object interface.
file(GLOB client_objects_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/test_objects*.cpp)
sirocco_test(NAME test_client_objects SOURCES ${client_objects_tests} DEPS sirocco::client)
