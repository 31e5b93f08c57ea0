// The runtime's I/O library: Boost.Asio (Debian libboost-dev, 1.74), so that
// Boost.Beast's HTTP server (the server's REST API) runs on the same
// io_context as the CoAP sockets. `sirocco::runtime::asio` names it; code
// outside the namespace writes `namespace asio = boost::asio;` itself.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>

namespace sirocco::runtime {
namespace asio = boost::asio;
using error_code = boost::system::error_code;
}  // namespace sirocco::runtime
