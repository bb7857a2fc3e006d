// tests/testing/webhook_receiver.h
//
// A webhook receiver for end-to-end tests: a tiny HTTP/1.1 server on
// 127.0.0.1 that records every request and answers with the status a policy
// picks.
#ifndef MODERATED_TESTS_TESTING_WEBHOOK_RECEIVER_H_
#define MODERATED_TESTS_TESTING_WEBHOOK_RECEIVER_H_

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <cctype>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace moderated::testing {

namespace webhook_receiver_detail {
namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
}  // namespace webhook_receiver_detail

// One request the receiver got.
struct Received {
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;
};

// A tiny HTTP/1.1 server on 127.0.0.1:`port`: one request per connection,
// answered with the status `policy` picks (given the request and how many
// requests for the same target came before it).
class Receiver {
  using tcp = webhook_receiver_detail::tcp;
 public:
  using Policy = std::function<unsigned(const Received&, int earlier_for_target)>;
  Receiver(unsigned short port, Policy policy) : policy_(std::move(policy)), acceptor_(ioc_) {
    tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), port);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    thread_ = std::thread([this] { Run(); });
  }
  ~Receiver() {
    stop_ = true;
    boost::system::error_code ec;
    tcp::socket wake(ioc_);
    wake.connect(acceptor_.local_endpoint(), ec);  // unblocks accept()
    thread_.join();
  }
  std::vector<Received> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void Run() {
    while (!stop_) {
      tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (stop_) break;
      if (ec) continue;
      boost::beast::flat_buffer buffer;
      boost::beast::http::request<boost::beast::http::string_body> req;
      boost::beast::http::read(socket, buffer, req, ec);
      if (ec) continue;
      Received r;
      r.target = std::string(req.target());
      for (const auto& f : req) {
        std::string name(f.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(f.value());
      }
      r.body = req.body();
      unsigned status = 200;
      {
        std::lock_guard lock(mu_);
        int earlier = 0;
        for (const auto& p : requests_) earlier += p.target == r.target;
        status = policy_(r, earlier);
        requests_.push_back(r);
      }
      boost::beast::http::response<boost::beast::http::string_body> res{
          static_cast<boost::beast::http::status>(status), 11};
      res.set(boost::beast::http::field::content_type, "text/plain");
      res.body() = "thanks";
      res.keep_alive(false);
      res.prepare_payload();
      boost::beast::http::write(socket, res, ec);
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
  }

  Policy policy_;
  boost::asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<Received> requests_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace moderated::testing

#endif  // MODERATED_TESTS_TESTING_WEBHOOK_RECEIVER_H_
