# sirocco-client against the LwM2M server of lwm2m-node-lib (npm, written by
# others): registration, reads and writes by the server, de-registration on
# SIGTERM. Needs node and the npm packages of tests/interop/node
# (scripts/setup runs `npm ci` there).
find_program(SIROCCO_NODE node)
if(SIROCCO_NODE)
  add_test(NAME interop_lwm2m_node_lib
           COMMAND ${SIROCCO_NODE} --no-warnings ${CMAKE_CURRENT_LIST_DIR}/node/sirocco_client_test.js
                   $<TARGET_FILE:sirocco-client>)
  set_tests_properties(interop_lwm2m_node_lib PROPERTIES LABELS interop TIMEOUT 60)
else()
  message(WARNING "node not found: interop_lwm2m_node_lib not built (scripts/setup installs nodejs)")
endif()
