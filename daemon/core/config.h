// daemon/core/config.h
//
// Config: every setting of `moderated serve`, with its default. Every limit
// the daemon enforces is a named field here (docs/configuration.md lists them
// all). Values come from, in increasing precedence: the defaults below, the
// YAML file given by --config, environment variables MODERATED_<KEY>, and
// command-line flags.
#ifndef MODERATED_DAEMON_CORE_CONFIG_H_
#define MODERATED_DAEMON_CORE_CONFIG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moderated {

struct Limits {
  uint32_t max_header_bytes = 8 * 1024;             // request line + headers
  uint64_t max_body_bytes = 64 * 1024;              // one comment request
  uint64_t max_batch_body_bytes = 8 * 1024 * 1024;  // POST /v1/comments/batch
  uint32_t max_batch_comments = 1000;               // comments in one batch
  uint32_t max_meta_bytes = 4 * 1024;               // serialised `meta` object
  uint32_t read_timeout_ms = 10'000;                // to receive a whole request once it started
  uint32_t idle_timeout_ms = 60'000;                // keep-alive connection with no request
  uint32_t max_connections = 1024;                  // open TCP connections
  uint32_t max_connections_per_client = 128;        // open TCP connections from one address
  uint32_t max_unix_connections = 64;               // open Unix-socket connections (own budget)
  // Load shedding: while the I/O threads run this far behind (the event
  // loop's lag, measured every 20 ms), new requests get 503 + Retry-After at
  // once instead of waiting; /healthz, /readyz and /metrics are exempt.
  // 0 = never shed.
  uint32_t max_queue_wait_ms = 500;
};

struct WriterConfig {
  uint32_t max_queue = 20'000;    // comments waiting for the writer; beyond → 503
  uint32_t max_batch = 512;       // comments per transaction (group commit)
  uint32_t retry_limit = 5;       // retries of a busy database before giving up
  bool synchronous_full = false;  // PRAGMA synchronous=FULL (survive power loss)
  // WAL pages (4 KiB each) at which a background thread copies the WAL into
  // the database file; at kCheckpointRestartFactor times as many the writer
  // itself restarts the WAL. 0 = SQLite checkpoints on the writer thread
  // inside a commit, every 1000 pages (its default).
  uint32_t checkpoint_pages = 1000;
  // After a storage error that may pass (disk full, I/O error), new comments
  // are refused (503) for a backoff that starts at 50 ms and doubles up to
  // this; then the next batch tries again, and a commit that succeeds ends
  // the trouble. Nothing needs a restart.
  uint32_t max_failure_backoff_ms = 5000;
};
inline constexpr uint32_t kCheckpointRestartFactor = 8;

struct ClassifierConfig {
  // Scales the points a label adds to the score. The points themselves are
  // calibrated per language with the model (classifiers/calibration.h: with
  // weight 1 the label alone holds a comment exactly at its calibrated hold
  // threshold); 0 turns the label off, 2 makes it count twice.
  double spam_weight = 1.0;
  double abuse_weight = 1.0;

  // Per-site overrides (YAML `classifier.sites: {news.example: {abuse_weight:
  // 0}}`; docs/configuration.md): an absent field keeps the value above.
  // (How eagerly a site's comments are held is its `sensitivity`, in the
  // rule file's sites or the site registry.)
  struct SiteWeights {
    std::optional<double> spam_weight, abuse_weight;
  };
  std::map<std::string, SiteWeights, std::less<>> sites;  // key: exact site name

  struct Weights {
    double spam_weight, abuse_weight;
  };
  // The weights for `site`: its overrides applied to the defaults.
  Weights For(std::string_view site) const {
    Weights w{spam_weight, abuse_weight};
    if (auto it = sites.find(site); it != sites.end()) {
      w.spam_weight = it->second.spam_weight.value_or(w.spam_weight);
      w.abuse_weight = it->second.abuse_weight.value_or(w.abuse_weight);
    }
    return w;
  }
};

// The learning loop (daemon/jobs/model_jobs.h, docs/classifier.md).
struct TrainingConfig {
  // Where POST /v1/admin/models/train finds the base corpora (the presets'
  // folders); absent → the candidate is trained on the site's labels alone.
  std::string data_dir = "/usr/share/moderated/corpora";
};

// Webhook delivery (daemon/jobs/webhooks.h): the outbox worker's pace and limits.
struct WebhooksConfig {
  uint32_t poll_interval_ms = 500;        // how often due outbox rows are read
  uint32_t max_concurrency = 4;           // deliveries in flight at once
  uint32_t connect_timeout_ms = 5'000;    // resolve + TCP connect + TLS handshake
  uint32_t response_timeout_ms = 10'000;  // send the request and read the whole response
  uint32_t initial_backoff_ms = 1'000;    // delay after the first failure; doubles each time
  uint32_t max_backoff_ms = 600'000;      // cap of that delay
  uint32_t max_attempts = 20;             // then the event is given up (logged)
  std::string ca_file;  // PEM CA bundle for https receivers; empty = the system store
  // Webhooks never go to loopback, private, link-local (169.254.169.254, the
  // cloud metadata service), CGNAT, multicast or reserved addresses, checked
  // after DNS resolution, unless the address is inside one of these
  // networks (CIDR, e.g. "10.20.0.0/16" for a receiver on the LAN).
  std::vector<std::string> allow_networks;
};

// True if `cidr` is an IPv4 or IPv6 network ("10.0.0.0/8") or address.
bool IsNetwork(const std::string& cidr);

// Velocity features for rules (daemon/engine/velocity.h): how far back comments
// from the same IP / e-mail / with the same content are counted.
struct VelocityConfig {
  uint32_t window_seconds = 600;  // the counting window
  uint32_t max_keys = 100'000;    // keys kept per kind (IP, e-mail, content); oldest evicted
};

// The spamc/spamd protocol listener (daemon/compat/spamc_server.h, docs/spamc.md).
// Off unless `listen` or `socket` is set. It has no authentication, like
// spamd: bind it to loopback or a Unix socket only.
struct SpamcConfig {
  std::string listen;                       // HOST:PORT; "" = no TCP listener
  std::string socket;                       // Unix socket path; "" = none
  std::string site = "spamc";               // the site its messages are stored under
  uint64_t max_message_bytes = 512 * 1024;  // spamc's own default -s is 500 KB
};

// GET /metrics (daemon/api/metrics.cc).
struct MetricsConfig {
  bool public_local = true;  // YAML `public`: no token needed on the Unix socket and loopback
};

// Purging decided comments (daemon/jobs/retention.h). A site's own
// sites.retention_days (> 0) overrides `days`.
struct RetentionConfig {
  uint32_t days = 0;           // purge approved/rejected comments older than this; 0 = never
  uint32_t interval_s = 3600;  // how often the daemon purges (also once at start)
  uint32_t chunk_rows = 1000;  // comments deleted per writer transaction
};

// What is stored about authors (daemon/core/privacy.h).
struct PrivacyConfig {
  bool hash_ips = false;  // store author IPs as "hmac-sha256:<hex>" (rules still see the real IP)
  // The HMAC key, read from <data_dir>/ip-hash.key by `moderated serve` when
  // hash_ips is on (never from YAML).
  std::string ip_hash_key;
};

// The moderators' review queue (daemon/api/review/queue.cc, docs/review.md).
struct ReviewConfig {
  uint32_t claim_minutes = 10;         // a claim's lease when the request names none (1..120)
  uint32_t undo_window_seconds = 600;  // how long a decision may be undone by its actor
  uint32_t max_bulk_ids = 500;         // ids in one POST /v1/decisions
  uint32_t max_page = 200;             // largest `limit` of GET /v1/queue and polling
};

// PostgreSQL (`database: postgresql://…`; docs/scaling.md). The password
// never goes on the command line: libpq reads it from `password_file` (its
// passfile), else from $PGPASSFILE or ~/.pgpass.
struct PostgresConfig {
  std::string password_file;               // a libpq password file; "" = libpq's default
  uint32_t statement_timeout_ms = 30'000;  // a longer statement is cancelled (503); 0 = none
  uint32_t recheck_ms = 1000;              // cluster: how often shared settings are compared
};

struct Config {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free one; "" disables TCP
  std::string socket;       // Unix socket; default <runtime or data dir>/moderated.sock
  bool socket_set = false;  // true if `socket` was given (even empty = disabled)
  std::string data_dir = "./var";
  std::string database;  // default <data_dir>/moderated.db
  std::string rules;     // rule file; empty = the ruleset embedded in the binary
  // The only directory whose files rules sent over the API (PUT
  // /v1/admin/rules, backtests, stored versions) may use as `file:` lists;
  // empty (the default) = such rules may not read files at all.
  std::string rules_list_dir;
  std::string model;     // fastText model; empty = the model embedded in the binary
  uint32_t threads = 0;  // I/O threads; 0 = number of cores
  std::string log_level = "info";
  std::string web_dir;  // web console files; empty = the copy embedded in the binary
  uint32_t shutdown_timeout_ms = 10'000;  // SIGTERM: time for requests in flight to finish
  Limits limits;
  WriterConfig writer;
  ClassifierConfig classifier;
  TrainingConfig training;
  SpamcConfig spamc;
  VelocityConfig velocity;
  WebhooksConfig webhooks;
  MetricsConfig metrics;
  RetentionConfig retention;
  PrivacyConfig privacy;
  ReviewConfig review;
  PostgresConfig postgres;

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
// MODERATED_LOG_LEVEL, MODERATED_WEB_DIR from the environment.
bool ApplyEnvironment(Config* config, std::vector<std::string>* errors);

}  // namespace moderated

#endif  // MODERATED_DAEMON_CORE_CONFIG_H_
