# coap::engine::resume_observation() and idle(): the additive API the LwM2M
# server uses for one engine per peer and for observations that survive a
# restart (issue 6).
sirocco_test(NAME test_coap_resume
             SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_engine_resume.cpp
                     ${CMAKE_CURRENT_LIST_DIR}/test_engine_memo.cpp
             DEPS sirocco::coap)
