# The LwM2M client of lwm2m-node-lib (npm, written by others) against
# sirocco-server: registration, reads and writes through the REST API,
# de-registration. Needs node and the npm packages of tests/interop/node
# (scripts/setup runs `npm ci` there).
find_program(SIROCCO_NODE node)
if(SIROCCO_NODE AND TARGET sirocco-server)
  add_test(NAME interop_lwm2m_node_lib_client
           COMMAND ${SIROCCO_NODE} --no-warnings
                   ${CMAKE_CURRENT_LIST_DIR}/node/sirocco_server_node_client_test.js
                   $<TARGET_FILE:sirocco-server>)
  set_tests_properties(interop_lwm2m_node_lib_client PROPERTIES LABELS interop TIMEOUT 60)
endif()
