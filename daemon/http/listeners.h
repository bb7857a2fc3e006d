// daemon/http/listeners.h
//
// Opening listening sockets, shared by the HTTP server (server.cc) and the
// spamc listener (spamc_server.cc): "HOST:PORT" parsing, TCP acceptors with
// SO_REUSEADDR, and Unix-socket acceptors that replace a stale socket file.
//
// Errors name the flag the value came from, e.g.
//   "--listen: expected HOST:PORT, got 'localhost'"
//   "--spamc-socket /run/x.sock: Permission denied"
//
// Thread-safety: plain functions; call them before the io_context runs.
#ifndef MODERATED_DAEMON_HTTP_LISTENERS_H_
#define MODERATED_DAEMON_HTTP_LISTENERS_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <memory>
#include <string>
#include <string_view>

namespace moderated {

// Splits "HOST:PORT" or "[V6]:PORT". False if either part is missing.
bool ParseListen(const std::string& listen, std::string* host, std::string* port);

// "127.0.0.1:8080" or "[::1]:8080": how logs and tests name a bound endpoint.
std::string EndpointText(const boost::asio::ip::tcp::endpoint& endpoint);

// Resolves `listen` ("HOST:PORT"; port 0 picks a free port), binds and
// listens. On failure returns null and sets *error to "FLAG VALUE: reason".
std::unique_ptr<boost::asio::ip::tcp::acceptor> OpenTcpAcceptor(boost::asio::io_context& ioc,
                                                                const std::string& listen,
                                                                std::string_view flag,
                                                                std::string* error);

// Binds a Unix socket at `path` (mode 0660), creating its directory. A socket
// file left by an unclean exit is removed first; any other file is not. On
// failure returns null and sets *error to "FLAG PATH: reason".
std::unique_ptr<boost::asio::local::stream_protocol::acceptor> OpenUnixAcceptor(
    boost::asio::io_context& ioc, const std::string& path, std::string_view flag,
    std::string* error);

}  // namespace moderated

#endif  // MODERATED_DAEMON_HTTP_LISTENERS_H_
