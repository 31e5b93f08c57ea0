# sirocco-client <-> sirocco-server over DTLS (PSK, RPK, X.509), TCP and TLS
# (PSK, RPK, X.509): credentials through REST, every REST operation
# (sirocco_secure_transports_test.py, Python 3 stdlib + the openssl CLI).
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND AND TARGET sirocco-server AND TARGET sirocco-client)
  foreach(case dtls_psk dtls_rpk dtls_x509 tcp tls_psk tls_rpk tls_x509)
    add_test(NAME e2e_secure_transports_${case}
             COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/sirocco_secure_transports_test.py
                     $<TARGET_FILE_DIR:sirocco-server> ${case})
    set_tests_properties(e2e_secure_transports_${case} PROPERTIES LABELS e2e TIMEOUT 180)
  endforeach()
endif()
