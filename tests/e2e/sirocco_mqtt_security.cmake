# The mosquitto configuration of config/mosquitto/ (TLS, per-device ACLs,
# passwords) against mosquitto and its command-line clients, and with
# sirocco-server/sirocco-client over mqtts:// (sirocco_mqtt_security_test.py,
# Python 3 stdlib; tests/e2e/mosquitto_fixture.py starts the broker on free
# ports). One ctest test per case; label e2e.
find_package(Python3 COMPONENTS Interpreter)
find_program(SIROCCO_MOSQUITTO mosquitto PATHS /usr/sbin /usr/local/sbin)
find_program(SIROCCO_MOSQUITTO_SUB mosquitto_sub)
find_program(SIROCCO_OPENSSL openssl)
if(Python3_Interpreter_FOUND AND SIROCCO_MOSQUITTO AND SIROCCO_MOSQUITTO_SUB AND SIROCCO_OPENSSL)
  foreach(case subscribe_other_downlink publish_other_uplink client_id_takeover foreign_ca
               no_credentials dev_listener shared_subscription broker_restart mqtts_register register_other_ep)
    add_test(NAME e2e_mqtt_security_${case}
             COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/sirocco_mqtt_security_test.py
                     ${CMAKE_BINARY_DIR}/bin ${case})
    set_tests_properties(e2e_mqtt_security_${case} PROPERTIES LABELS e2e TIMEOUT 120
                         SKIP_RETURN_CODE 77)
  endforeach()
else()
  message(WARNING "python3, mosquitto, mosquitto_sub or openssl missing: the MQTT security tests are not registered")
endif()
