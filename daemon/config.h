// daemon/config.h
//
// Config: every setting of `moderated serve`, with its default. Every limit
// the daemon enforces is a named field here (docs/configuration.md lists them
// all). Values come from, in increasing precedence: the defaults below, the
// YAML file given by --config, environment variables MODERATED_<KEY>, and
// command-line flags.
#ifndef MODERATED_DAEMON_CONFIG_H_
#define MODERATED_DAEMON_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

namespace moderated {

struct Limits {
  uint32_t max_header_bytes = 8 * 1024;           // request line + headers
  uint64_t max_body_bytes = 64 * 1024;            // one comment request
  uint64_t max_batch_body_bytes = 8 * 1024 * 1024;  // POST /v1/comments/batch
  uint32_t max_batch_comments = 1000;             // comments in one batch
  uint32_t max_meta_bytes = 4 * 1024;             // serialised `meta` object
  uint32_t read_timeout_ms = 10'000;              // to receive a whole request once it started
  uint32_t idle_timeout_ms = 60'000;              // keep-alive connection with no request
  uint32_t max_connections = 1024;                // open connections, TCP and Unix together
};

struct WriterConfig {
  uint32_t max_queue = 20'000;  // comments waiting for the writer; beyond → 503
  uint32_t max_batch = 512;     // comments per transaction (group commit)
  uint32_t retry_limit = 5;     // retries of a busy database before giving up
  bool synchronous_full = false;  // PRAGMA synchronous=FULL (survive power loss)
};

struct ClassifierConfig {
  // A label's contribution to the total score is
  //   weight * max(0, (p - floor) / (1 - floor)),
  // so probabilities at or below `floor` add nothing and p = 1 adds `weight`.
  double spam_weight = 7.0;
  double abuse_weight = 7.0;
  double floor = 0.5;
};

struct Config {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free one; "" disables TCP
  std::string socket;                     // Unix socket; default <runtime or data dir>/moderated.sock
  bool socket_set = false;                // true if `socket` was given (even empty = disabled)
  std::string data_dir = "./var";
  std::string database;  // default <data_dir>/moderated.db
  std::string rules;     // rule file; empty = the ruleset embedded in the binary
  std::string model;     // fastText model; empty = the model embedded in the binary
  uint32_t threads = 0;  // I/O threads; 0 = number of cores
  std::string log_level = "info";
  uint32_t shutdown_timeout_ms = 10'000;  // SIGTERM: time for requests in flight to finish
  Limits limits;
  WriterConfig writer;
  ClassifierConfig classifier;

  // Fills defaults that depend on other fields (database, socket paths).
  void Resolve();
};

// Reads the YAML file at `path` into *config (fields not in the file keep
// their current values). On failure returns false and appends one message per
// problem to *errors, each "PATH:LINE:COL: message".
bool LoadConfigFile(const std::string& path, Config* config, std::vector<std::string>* errors);

// Same, from text (`origin` names it in messages).
bool LoadConfigText(const std::string& text, const std::string& origin, Config* config,
                    std::vector<std::string>* errors);

// Applies MODERATED_LISTEN, MODERATED_SOCKET, MODERATED_DATA_DIR,
// MODERATED_DATABASE, MODERATED_RULES, MODERATED_MODEL, MODERATED_THREADS,
// MODERATED_LOG_LEVEL from the environment.
bool ApplyEnvironment(Config* config, std::vector<std::string>* errors);

}  // namespace moderated

#endif  // MODERATED_DAEMON_CONFIG_H_
