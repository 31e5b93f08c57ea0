// tls::dtls_server in memory.
#include <gtest/gtest.h>

#include "tls_test_util.hpp"

namespace {
using namespace sirocco_tls_test;
}  // namespace
