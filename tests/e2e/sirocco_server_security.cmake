# sirocco-server security end to end (issue 8, sirocco_server_security_test.py,
# Python 3 stdlib): the security store over REST and across a restart, DTLS
# PSK / TCP / TLS PSK / X.509 (DTLS and TLS) registrations with libcoap's
# coap-client-openssl (Debian libcoap3-bin) as the device, who may be whom
# (4.03), the attacks of issue 8 (each refused and logged once while good
# devices are served) and a 10,000-ClientHello flood with bounded memory.
# One ctest test per case; exit 77 = skipped (coap-client-openssl missing).
find_package(Python3 COMPONENTS Interpreter)
find_program(SIROCCO_COAP_CLIENT_OPENSSL coap-client-openssl)
find_program(SIROCCO_OPENSSL_CLI openssl)
if(Python3_Interpreter_FOUND AND TARGET sirocco-server AND TARGET sirocco-client
   AND SIROCCO_COAP_CLIENT_OPENSSL AND SIROCCO_OPENSSL_CLI)
  foreach(case flags store_restart dtls_psk tcp tls_psk x509 attacks handshake_flood)
    add_test(NAME e2e_server_security_${case}
             COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/sirocco_server_security_test.py
                     $<TARGET_FILE_DIR:sirocco-server> ${case})
    set_tests_properties(e2e_server_security_${case} PROPERTIES LABELS e2e TIMEOUT 180
                         SKIP_RETURN_CODE 77)
  endforeach()
else()
  message(WARNING "python3, coap-client-openssl (libcoap3-bin) or openssl missing: "
                  "the sirocco-server security e2e tests are not registered")
endif()
