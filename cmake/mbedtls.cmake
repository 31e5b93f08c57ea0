# mbedTLS 3.6 (Debian trixie's source, built with DTLS Connection ID, RFC 9146)
# from .deps/mbedtls, where scripts/fetch-mbedtls installs it; never the
# system's 2.28 (its CID is the pre-RFC draft). docs/security.md says why.
# Gives the INTERFACE target sirocco::mbedtls (mbedtls + mbedx509 + mbedcrypto,
# static, position independent, so Debug, ASan and the clang fuzz build link
# the same libraries).
include_guard(GLOBAL)
set(SIROCCO_MBEDTLS_DIR "${CMAKE_SOURCE_DIR}/.deps/mbedtls" CACHE PATH
    "Install prefix of the mbedTLS 3.6 built by scripts/fetch-mbedtls")
find_package(MbedTLS 3.6 CONFIG QUIET PATHS "${SIROCCO_MBEDTLS_DIR}" NO_DEFAULT_PATH)
if(NOT MbedTLS_FOUND)
  message(FATAL_ERROR "mbedTLS 3.6 not found in ${SIROCCO_MBEDTLS_DIR}: "
                      "run scripts/setup (or scripts/fetch-mbedtls)")
endif()
if(NOT TARGET sirocco::mbedtls)
  add_library(sirocco_mbedtls INTERFACE)
  add_library(sirocco::mbedtls ALIAS sirocco_mbedtls)
  target_link_libraries(sirocco_mbedtls INTERFACE MbedTLS::mbedtls MbedTLS::mbedx509
                                                  MbedTLS::mbedcrypto)
endif()

# sirocco::tls_only: runtime/src/tls.cpp and dtls_server.cpp alone (they are
# in sirocco::runtime too), for the TLS unit tests, the fuzz build (which
# has no runtime) and bench_tls, so these need not build all of the runtime.
# Never link both this and sirocco::runtime into one program.
if(NOT TARGET sirocco_tls_only AND TARGET sirocco::coap)
  add_library(sirocco_tls_only STATIC ${CMAKE_SOURCE_DIR}/runtime/src/tls.cpp
                                      ${CMAKE_SOURCE_DIR}/runtime/src/dtls_server.cpp)
  add_library(sirocco::tls_only ALIAS sirocco_tls_only)
  target_include_directories(sirocco_tls_only PUBLIC ${CMAKE_SOURCE_DIR}/runtime/include)
  target_compile_options(sirocco_tls_only PRIVATE ${SIROCCO_WARNINGS})
  target_link_libraries(sirocco_tls_only PUBLIC sirocco::coap sirocco::base sirocco::mbedtls)
endif()
