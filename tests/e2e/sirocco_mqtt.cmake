# LwM2M over MQTT end to end (sirocco_mqtt_test.py, Python 3 stdlib): a
# mosquitto on a free 127.0.0.1 port (mosquitto_fixture.py), sirocco-server
# --mqtt and sirocco-client over mqtt://, REST over HTTP, mosquitto_sub /
# mosquitto_pub as an independent MQTT client (wire format, datagram form,
# 4.03 for an ep that differs from the topic), a broker restart. One ctest
# test per case; label e2e.
find_package(Python3 COMPONENTS Interpreter)
find_program(SIROCCO_MOSQUITTO mosquitto PATHS /usr/sbin /usr/local/sbin)
find_program(SIROCCO_MOSQUITTO_SUB mosquitto_sub)
find_program(SIROCCO_MOSQUITTO_PUB mosquitto_pub)
if(Python3_Interpreter_FOUND AND SIROCCO_MOSQUITTO AND SIROCCO_MOSQUITTO_SUB AND SIROCCO_MOSQUITTO_PUB
   AND TARGET sirocco-server AND TARGET sirocco-client)
  foreach(case flags register_and_rest side_by_side wire_format endpoint_mismatch_403 broker_restart)
    add_test(NAME e2e_mqtt_${case}
             COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/sirocco_mqtt_test.py
                     $<TARGET_FILE_DIR:sirocco-server> ${case})
    set_tests_properties(e2e_mqtt_${case} PROPERTIES LABELS e2e TIMEOUT 120)
  endforeach()
else()
  message(WARNING "python3, mosquitto, mosquitto_sub or mosquitto_pub missing: the MQTT e2e tests are not registered")
endif()
