#include "daemon/http/listeners.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <filesystem>

namespace moderated {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using unix_socket = net::local::stream_protocol;

bool ParseListen(const std::string& listen, std::string* host, std::string* port) {
  if (!listen.empty() && listen.front() == '[') {
    auto close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':')
      return false;
    *host = listen.substr(1, close - 1);
    *port = listen.substr(close + 2);
    return !port->empty();
  }
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= listen.size()) return false;
  *host = listen.substr(0, colon);
  *port = listen.substr(colon + 1);
  return true;
}

std::string EndpointText(const tcp::endpoint& endpoint) {
  const std::string addr = endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]"
                                                      : endpoint.address().to_string();
  return addr + ":" + std::to_string(endpoint.port());
}

std::unique_ptr<tcp::acceptor> OpenTcpAcceptor(net::io_context& ioc, const std::string& listen,
                                               std::string_view flag, std::string* error) {
  const std::string name(flag);
  std::string host, port;
  if (!ParseListen(listen, &host, &port)) {
    *error = name + ": expected HOST:PORT, got '" + listen + "'";
    return nullptr;
  }
  boost::system::error_code ec;
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, port, tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    *error = name + " " + listen + ": cannot resolve: " + ec.message();
    return nullptr;
  }
  tcp::endpoint ep = results.begin()->endpoint();
  auto acceptor = std::make_unique<tcp::acceptor>(ioc);
  acceptor->open(ep.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(ep, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = name + " " + listen + ": " + ec.message();
    return nullptr;
  }
  return acceptor;
}

std::unique_ptr<unix_socket::acceptor> OpenUnixAcceptor(net::io_context& ioc,
                                                        const std::string& path,
                                                        std::string_view flag,
                                                        std::string* error) {
  namespace fs = std::filesystem;
  std::error_code fec;
  fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), fec);
  // A stale socket from an unclean exit would make bind fail; remove only sockets.
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
  boost::system::error_code ec;
  auto acceptor = std::make_unique<unix_socket::acceptor>(ioc);
  acceptor->open(unix_socket(), ec);
  if (!ec) acceptor->bind(unix_socket::endpoint(path), ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = std::string(flag) + " " + path + ": " + ec.message();
    return nullptr;
  }
  ::chmod(path.c_str(), 0660);
  return acceptor;
}

}  // namespace moderated
