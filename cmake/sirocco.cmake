# Shared helpers for Sirocco targets.

# Warnings for our own code only (third-party headers come in as SYSTEM).
set(SIROCCO_WARNINGS -Wall -Wextra -Wpedantic -Werror -Wshadow -Wconversion
    -Wno-sign-conversion)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  # g++ 12 at -O3 reports std::string copies as overlapping memcpy
  # (GCC PR 105329, a false positive fixed in 13).
  list(APPEND SIROCCO_WARNINGS -Wno-restrict)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  list(APPEND SIROCCO_WARNINGS -Wno-unused-command-line-argument)
endif()

# sirocco_library(NAME <name> SOURCES ... [DEPS ...] [PUBLIC_DEPS ...])
# Creates target sirocco_<name> with public include dir libs/<name>/include.
# Layering: a library lists only libraries below it in DEPS; scripts/check-layering
# (a unit test) verifies that no header reaches up or sideways.
function(sirocco_library)
  cmake_parse_arguments(A "" "NAME;DIR" "SOURCES;DEPS" ${ARGN})
  if(NOT A_DIR)
    set(A_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  endif()
  add_library(sirocco_${A_NAME} STATIC ${A_SOURCES})
  add_library(sirocco::${A_NAME} ALIAS sirocco_${A_NAME})
  target_include_directories(sirocco_${A_NAME} PUBLIC ${A_DIR}/include)
  target_compile_options(sirocco_${A_NAME} PRIVATE ${SIROCCO_WARNINGS})
  if(A_DEPS)
    target_link_libraries(sirocco_${A_NAME} PUBLIC ${A_DEPS})
  endif()
endfunction()

# sirocco_executable(NAME <name> SOURCES ... DEPS ...): lands in build/bin.
function(sirocco_executable)
  cmake_parse_arguments(A "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SOURCES})
  target_compile_options(${A_NAME} PRIVATE ${SIROCCO_WARNINGS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS})
endfunction()
