#include "daemon/core/config.h"

#include <yaml-cpp/yaml.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <tuple>

#include "base/files.h"
#include "storage/store.h"

namespace moderated {
namespace {

std::string Where(const std::string& origin, const YAML::Mark& mark) {
  return origin + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) +
         ": ";
}

// A setter reads a scalar node into a field; returns an error message or "".
using Setter = std::function<std::string(const YAML::Node&)>;

template <typename T>
Setter Unsigned(T* field, uint64_t max) {
  return [field, max](const YAML::Node& n) -> std::string {
    if (!n.IsScalar()) return "expected a non-negative integer";
    const std::string& s = n.Scalar();
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size())
      return "expected a non-negative integer, got '" + s + "'";
    if (v > max) return "value " + s + " is larger than the maximum " + std::to_string(max);
    *field = static_cast<T>(v);
    return "";
  };
}

Setter Double(double* field) {
  return [field](const YAML::Node& n) -> std::string {
    if (!n.IsScalar()) return "expected a number";
    const std::string& s = n.Scalar();
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0') return "expected a number, got '" + s + "'";
    if (!std::isfinite(v)) return "expected a finite number, got '" + s + "'";
    *field = v;
    return "";
  };
}

Setter String(std::string* field, bool* set_flag = nullptr) {
  return [field, set_flag](const YAML::Node& n) -> std::string {
    if (n.IsNull()) {
      field->clear();
    } else if (n.IsScalar()) {
      *field = n.Scalar();
    } else {
      return "expected a string";
    }
    if (set_flag) *set_flag = true;
    return "";
  };
}

}  // namespace

bool IsNetwork(const std::string& cidr) {
  namespace ip = boost::asio::ip;
  boost::system::error_code ec;
  if (cidr.find('/') == std::string::npos) {
    ip::make_address(cidr, ec);
    return !ec;
  }
  if (cidr.find(':') != std::string::npos) {
    ip::make_network_v6(cidr, ec);
  } else {
    ip::make_network_v4(cidr, ec);
  }
  return !ec;
}

namespace {

// A list of networks in CIDR notation ("10.0.0.0/8", "::1/128"); a bare
// address is one host.
Setter Networks(std::vector<std::string>* field) {
  return [field](const YAML::Node& n) -> std::string {
    if (n.IsNull()) {
      field->clear();
      return "";
    }
    if (!n.IsSequence()) return "expected a list of networks such as [10.0.0.0/8, \"fd00::/8\"]";
    std::vector<std::string> out;
    for (const YAML::Node& item : n) {
      std::string s = item.IsScalar() ? item.Scalar() : "";
      if (!IsNetwork(s)) return "'" + s + "' is not a network in CIDR notation";
      out.push_back(s);
    }
    *field = std::move(out);
    return "";
  };
}

Setter Bool(bool* field) {
  return [field](const YAML::Node& n) -> std::string {
    if (!n.IsScalar()) return "expected true or false";
    const std::string& s = n.Scalar();
    if (s == "true" || s == "yes" || s == "on")
      *field = true;
    else if (s == "false" || s == "no" || s == "off")
      *field = false;
    else
      return "expected true or false, got '" + s + "'";
    return "";
  };
}

void ReadMap(const YAML::Node& node, const std::string& prefix, const std::string& origin,
             const std::map<std::string, Setter>& setters,
             const std::map<std::string, std::function<void(const YAML::Node&)>>& sections,
             std::vector<std::string>* errors) {
  if (!node.IsMap()) {
    errors->push_back(Where(origin, node.Mark()) + "expected a mapping" +
                      (prefix.empty() ? "" : " for '" + prefix + "'"));
    return;
  }
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (auto it = setters.find(key); it != setters.end()) {
      std::string err = it->second(kv.second);
      if (!err.empty()) {
        errors->push_back(Where(origin, kv.second.Mark()) + prefix + key + ": " + err);
      }
    } else if (auto sit = sections.find(key); sit != sections.end()) {
      sit->second(kv.second);
    } else {
      errors->push_back(Where(origin, kv.first.Mark()) + "unknown setting '" + prefix + key + "'");
    }
  }
}

}  // namespace

void Config::Resolve() {
  if (database.empty()) database = data_dir + "/moderated.db";
  // PostgreSQL: libpq reads the password from this file (passfile=).
  if (!postgres.password_file.empty() &&
      storage::ParseDatabaseUrl(database, nullptr) == storage::Backend::kPostgres &&
      database.find("passfile=") == std::string::npos) {
    database += (database.find('?') == std::string::npos ? "?" : "&");
    database += "passfile=" + postgres.password_file;
  }
  if (!socket_set) {
    const char* runtime = std::getenv("RUNTIME_DIRECTORY");
    // systemd may pass several directories separated by ':'; use the first.
    std::string dir = runtime && *runtime ? std::string(runtime) : data_dir;
    if (auto colon = dir.find(':'); colon != std::string::npos) dir.resize(colon);
    socket = dir + "/moderated.sock";
    socket_set = true;
  }
}

namespace {

void ReadLimits(const YAML::Node& n, const std::string& o, Config* config,
                std::vector<std::string>* errors) {
  Limits& l = config->limits;
  ReadMap(n, "limits.", o,
          {{"max_header_bytes", Unsigned(&l.max_header_bytes, 1u << 20)},
           {"max_body_bytes", Unsigned(&l.max_body_bytes, 1ull << 30)},
           {"max_batch_body_bytes", Unsigned(&l.max_batch_body_bytes, 1ull << 32)},
           {"max_batch_comments", Unsigned(&l.max_batch_comments, 100'000)},
           {"max_meta_bytes", Unsigned(&l.max_meta_bytes, 1u << 20)},
           {"read_timeout_ms", Unsigned(&l.read_timeout_ms, 3'600'000)},
           {"idle_timeout_ms", Unsigned(&l.idle_timeout_ms, 3'600'000)},
           {"max_connections", Unsigned(&l.max_connections, 1'000'000)},
           {"max_connections_per_client", Unsigned(&l.max_connections_per_client, 1'000'000)},
           {"max_unix_connections", Unsigned(&l.max_unix_connections, 1'000'000)},
           {"max_queue_wait_ms", Unsigned(&l.max_queue_wait_ms, 3'600'000)}},
          {}, errors);
}

void ReadWriter(const YAML::Node& n, const std::string& o, Config* config,
                std::vector<std::string>* errors) {
  WriterConfig& w = config->writer;
  ReadMap(n, "writer.", o,
          {{"max_queue", Unsigned(&w.max_queue, 10'000'000)},
           {"max_batch", Unsigned(&w.max_batch, 100'000)},
           {"retry_limit", Unsigned(&w.retry_limit, 1000)},
           {"synchronous_full", Bool(&w.synchronous_full)},
           {"checkpoint_pages", Unsigned(&w.checkpoint_pages, 1'000'000)},
           {"max_failure_backoff_ms", Unsigned(&w.max_failure_backoff_ms, 600'000)}},
          {}, errors);
}

// classifier.sites: {SITE: {spam_weight, abuse_weight}}
void ReadClassifierSites(const YAML::Node& m, const std::string& o, ClassifierConfig& c,
                         std::vector<std::string>* errors) {
  if (!m.IsMap()) {
    errors->push_back(Where(o, m.Mark()) + "expected a mapping for 'classifier.sites'");
    return;
  }
  for (const auto& kv : m) {
    const std::string site = kv.first.Scalar();
    ClassifierConfig::SiteWeights& w = c.sites[site];
    double spam = 0, abuse = 0;
    std::string p = "classifier.sites." + site + ".";
    bool has_spam = false, has_abuse = false;
    auto mark = [](bool* flag, Setter set) {
      return [flag, set](const YAML::Node& v) {
        std::string e = set(v);
        if (e.empty()) *flag = true;
        return e;
      };
    };
    ReadMap(kv.second, p, o,
            {{"spam_weight", mark(&has_spam, Double(&spam))},
             {"abuse_weight", mark(&has_abuse, Double(&abuse))}},
            {}, errors);
    for (auto [has, value, name] : {std::tuple{has_spam, spam, "spam_weight"},
                                    std::tuple{has_abuse, abuse, "abuse_weight"}}) {
      if (has && value < 0) {
        errors->push_back(Where(o, kv.second.Mark()) + p + name + " must be >= 0");
      }
    }
    if (has_spam) w.spam_weight = spam;
    if (has_abuse) w.abuse_weight = abuse;
  }
}

void ReadClassifier(const YAML::Node& n, const std::string& o, Config* config,
                    std::vector<std::string>* errors) {
  ClassifierConfig& c = config->classifier;
  ReadMap(n, "classifier.", o,
          {{"spam_weight", Double(&c.spam_weight)}, {"abuse_weight", Double(&c.abuse_weight)}},
          {{"sites", [&](const YAML::Node& m) { ReadClassifierSites(m, o, c, errors); }}}, errors);
}

void ReadTraining(const YAML::Node& n, const std::string& o, Config* config,
                  std::vector<std::string>* errors) {
  ReadMap(n, "training.", o, {{"data_dir", String(&config->training.data_dir)}}, {}, errors);
}

void ReadWebhooks(const YAML::Node& n, const std::string& o, Config* config,
                  std::vector<std::string>* errors) {
  WebhooksConfig& w = config->webhooks;
  ReadMap(n, "webhooks.", o,
          {{"poll_interval_ms", Unsigned(&w.poll_interval_ms, 3'600'000)},
           {"max_concurrency", Unsigned(&w.max_concurrency, 1024)},
           {"connect_timeout_ms", Unsigned(&w.connect_timeout_ms, 600'000)},
           {"response_timeout_ms", Unsigned(&w.response_timeout_ms, 600'000)},
           {"initial_backoff_ms", Unsigned(&w.initial_backoff_ms, 86'400'000)},
           {"max_backoff_ms", Unsigned(&w.max_backoff_ms, 604'800'000)},
           {"max_attempts", Unsigned(&w.max_attempts, 1'000'000)},
           {"ca_file", String(&w.ca_file)},
           {"allow_networks", Networks(&w.allow_networks)}},
          {}, errors);
}

void ReadMetrics(const YAML::Node& n, const std::string& o, Config* config,
                 std::vector<std::string>* errors) {
  ReadMap(n, "metrics.", o, {{"public", Bool(&config->metrics.public_local)}}, {}, errors);
}

void ReadRetention(const YAML::Node& n, const std::string& o, Config* config,
                   std::vector<std::string>* errors) {
  RetentionConfig& r = config->retention;
  ReadMap(n, "retention.", o,
          {{"days", Unsigned(&r.days, 36'500)},
           {"interval_s", Unsigned(&r.interval_s, 604'800)},
           {"chunk_rows", Unsigned(&r.chunk_rows, 1'000'000)}},
          {}, errors);
}

void ReadPrivacy(const YAML::Node& n, const std::string& o, Config* config,
                 std::vector<std::string>* errors) {
  ReadMap(n, "privacy.", o, {{"hash_ips", Bool(&config->privacy.hash_ips)}}, {}, errors);
}

void ReadVelocity(const YAML::Node& n, const std::string& o, Config* config,
                  std::vector<std::string>* errors) {
  VelocityConfig& v = config->velocity;
  ReadMap(n, "velocity.", o,
          {{"window_seconds", Unsigned(&v.window_seconds, 7 * 86'400)},
           {"max_keys", Unsigned(&v.max_keys, 100'000'000)}},
          {}, errors);
}

void ReadSpamc(const YAML::Node& n, const std::string& o, Config* config,
               std::vector<std::string>* errors) {
  SpamcConfig& sc = config->spamc;
  ReadMap(n, "spamc.", o,
          {{"listen", String(&sc.listen)},
           {"socket", String(&sc.socket)},
           {"site", String(&sc.site)},
           {"max_message_bytes", Unsigned(&sc.max_message_bytes, 256ull << 20)}},
          {}, errors);
}

void ReadReview(const YAML::Node& n, const std::string& o, Config* config,
                std::vector<std::string>* errors) {
  ReviewConfig& r = config->review;
  ReadMap(n, "review.", o,
          {{"claim_minutes", Unsigned(&r.claim_minutes, 120)},
           {"undo_window_seconds", Unsigned(&r.undo_window_seconds, 7 * 86'400)},
           {"max_bulk_ids", Unsigned(&r.max_bulk_ids, 100'000)},
           {"max_page", Unsigned(&r.max_page, 10'000)}},
          {}, errors);
}

void ReadPostgres(const YAML::Node& n, const std::string& o, Config* config,
                  std::vector<std::string>* errors) {
  PostgresConfig& p = config->postgres;
  ReadMap(n, "postgres.", o,
          {{"password_file", String(&p.password_file)},
           {"statement_timeout_ms", Unsigned(&p.statement_timeout_ms, 3'600'000)},
           {"recheck_ms", Unsigned(&p.recheck_ms, 60'000)}},
          {}, errors);
}

// The sections of the file, each read by its own function.
using SectionReader = void (*)(const YAML::Node&, const std::string&, Config*,
                               std::vector<std::string>*);
constexpr std::pair<const char*, SectionReader> kSections[] = {
    {"limits", ReadLimits},     {"writer", ReadWriter},       {"classifier", ReadClassifier},
    {"webhooks", ReadWebhooks}, {"velocity", ReadVelocity},   {"spamc", ReadSpamc},
    {"metrics", ReadMetrics},   {"retention", ReadRetention}, {"privacy", ReadPrivacy},
    {"review", ReadReview},     {"training", ReadTraining},
    {"postgres", ReadPostgres},
};

void ReadRoot(const YAML::Node& root, const std::string& o, Config* config,
              std::vector<std::string>* errors) {
  std::map<std::string, std::function<void(const YAML::Node&)>> sections;
  // A plain variable, not a structured binding: clang 14 cannot capture
  // those in a lambda (C++20 allows it; the fuzz build uses clang).
  for (const auto& section : kSections) {
    const SectionReader read = section.second;
    sections[section.first] = [read, &o, config, errors](const YAML::Node& n) {
      read(n, o, config, errors);
    };
  }
  ReadMap(root, "", o,
          {{"listen", String(&config->listen)},
           {"socket", String(&config->socket, &config->socket_set)},
           {"data_dir", String(&config->data_dir)},
           {"database", String(&config->database)},
           {"rules", String(&config->rules)},
           {"rules_list_dir", String(&config->rules_list_dir)},
           {"model", String(&config->model)},
           {"threads", Unsigned(&config->threads, 1024)},
           {"log_level", String(&config->log_level)},
           {"web_dir", String(&config->web_dir)},
           {"shutdown_timeout_ms", Unsigned(&config->shutdown_timeout_ms, 3'600'000)}},
          sections, errors);
}

// What no single setting can check: ranges across settings and zeros.
void CheckValues(const Config& config, const std::string& origin,
                 std::vector<std::string>* errors) {
  if (config.classifier.spam_weight < 0 || config.classifier.abuse_weight < 0) {
    errors->push_back(origin + ": classifier weights must be >= 0");
  }
  if (config.retention.interval_s == 0 || config.retention.chunk_rows == 0) {
    errors->push_back(origin + ": retention.interval_s and retention.chunk_rows must be > 0");
  }
  if (config.review.claim_minutes == 0 || config.review.max_bulk_ids == 0 ||
      config.review.max_page == 0) {
    errors->push_back(origin + ": review.claim_minutes, max_bulk_ids and max_page must be > 0");
  }
  if (config.velocity.window_seconds == 0) {
    errors->push_back(origin + ": velocity.window_seconds must be > 0");
  }
  if (config.webhooks.poll_interval_ms == 0 || config.webhooks.max_concurrency == 0 ||
      config.webhooks.max_attempts == 0) {
    errors->push_back(origin +
                      ": webhooks.poll_interval_ms, max_concurrency and max_attempts must be > 0");
  }
}

}  // namespace

bool LoadConfigText(const std::string& text, const std::string& origin, Config* config,
                    std::vector<std::string>* errors) {
  size_t before = errors->size();
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    errors->push_back(Where(origin, e.mark) + e.msg);
    return false;
  }
  if (root.IsNull()) return true;  // an empty file changes nothing
  try {
    ReadRoot(root, origin, config, errors);
  } catch (const YAML::Exception& e) {
    errors->push_back(Where(origin, e.mark) + e.msg);
  }
  CheckValues(*config, origin, errors);
  return errors->size() == before;
}

bool LoadConfigFile(const std::string& path, Config* config, std::vector<std::string>* errors) {
  std::string text, error;
  if (!base::ReadFile(path, &text, &error)) {
    errors->push_back(path + ": cannot open config file");
    return false;
  }
  return LoadConfigText(text, path, config, errors);
}

bool ApplyEnvironment(Config* config, std::vector<std::string>* errors) {
  auto get = [](const char* name) -> const char* { return std::getenv(name); };
  if (auto v = get("MODERATED_LISTEN")) config->listen = v;
  if (auto v = get("MODERATED_SOCKET")) {
    config->socket = v;
    config->socket_set = true;
  }
  if (auto v = get("MODERATED_DATA_DIR")) config->data_dir = v;
  if (auto v = get("MODERATED_DATABASE")) config->database = v;
  if (auto v = get("MODERATED_RULES")) config->rules = v;
  if (auto v = get("MODERATED_MODEL")) config->model = v;
  if (auto v = get("MODERATED_LOG_LEVEL")) config->log_level = v;
  if (auto v = get("MODERATED_WEB_DIR")) config->web_dir = v;
  if (auto v = get("MODERATED_THREADS")) {
    std::string s = v;
    uint32_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || p != s.data() + s.size()) {
      errors->push_back("MODERATED_THREADS: expected a non-negative integer, got '" + s + "'");
      return false;
    }
    config->threads = n;
  }
  return true;
}

}  // namespace moderated
