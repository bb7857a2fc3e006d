// bench/fill_db.cc: fills a moderated database with N synthetic stored
// comments (default 1,000,000) through the storage API, for backtest
// benchmarks (bench/backtest_bench.sh) and review-queue benchmarks
// (bench/queue_bench.sh).
//
// Usage: fill_db DATABASE [N [PENDING]]
//   DATABASE  a SQLite file or a postgresql:// URL (as Store::Open takes)
//   PENDING   exactly this many of the N comments are held spam (status
//             pending), spread evenly over the N; default: ~10 %, at random
//
// Comments mix English, Arabic and Russian ham with ~10 % spam templates,
// 120-400 bytes each, 100,000 distinct IPs, received one per 50 ms. Each row
// carries classifier probabilities, a language and a verdict_json with the
// reasons of the spam templates, like rows the daemon writes, and the same
// reasons as rows: every spam comment has spam.gambling and classifier.spam,
// one in 1,000 of them spam.rare too, and link.any one ham comment in five
// but one spam comment in 50 (common in the history, rare in the queue); each
// batch is then added to the text index. Deterministic (fixed seed).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "storage/store.h"

using moderated::storage::Comment;
using moderated::storage::Store;

namespace {

struct Template {
  const char* lang;
  const char* text;
  bool spam;
};

const Template kTemplates[] = {
    {"en", "Thanks for the detailed report on the council meeting, I had no idea the budget "
           "for the new bridge was cut again this year.", false},
    {"en", "I disagree with the author: the numbers quoted for unemployment ignore the people "
           "who stopped looking for work altogether.", false},
    {"en", "Great article. My grandmother lived in that village and she always said the river "
           "floods every spring, nothing new here.", false},
    {"ar", "شكرا على هذا التقرير المفصل عن اجتماع المجلس البلدي، لم أكن أعلم أن ميزانية الجسر "
           "الجديد خفضت مرة أخرى هذا العام.", false},
    {"ar", "أختلف مع الكاتب في هذه النقطة، فالأرقام المذكورة عن البطالة لا تشمل من توقفوا عن "
           "البحث عن عمل.", false},
    {"ar", "مقال رائع، جدتي عاشت في تلك القرية وكانت تقول دائما إن النهر يفيض كل ربيع.", false},
    {"ru", "Спасибо за подробный репортаж о заседании совета, я не знал, что бюджет нового "
           "моста снова урезали в этом году.", false},
    {"ru", "Не согласен с автором: цифры по безработице не учитывают тех, кто вообще перестал "
           "искать работу.", false},
    {"ru", "Отличная статья. Моя бабушка жила в этой деревне и всегда говорила, что река "
           "разливается каждую весну.", false},
    {"en", "Best online casino bonus, free spins every day, visit http://spam-casino.example/win "
           "now and write to telegram @luckybet", true},
    {"ar", "أفضل كازينو اون لاين مع مكافأة بدون إيداع، تواصل معنا عبر واتساب 00966500000000", true},
    {"ru", "Заработок в интернете от 5000 рублей в день без вложений, пиши в телеграм @easy_money",
     true},
};

std::string Json(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: fill_db DATABASE [N [PENDING]]\n");
    return 2;
  }
  const std::string path = argv[1];
  const long long n = argc > 2 ? std::atoll(argv[2]) : 1'000'000;
  const long long pending = argc > 3 ? std::atoll(argv[3]) : -1;
  if (n <= 0 || (argc > 3 && (pending < 0 || pending > n))) {
    std::fprintf(stderr, "fill_db: N must be > 0 and PENDING in 0..N\n");
    return 2;
  }
  std::string error;
  auto store = Store::Open(path, Store::OpenMode::kReadWrite, &error);
  if (!store) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  std::mt19937_64 rng(42);
  const auto start = std::chrono::steady_clock::now();
  const int64_t t0 = 1'767'225'600'000;  // 2026-01-01
  std::vector<Comment> batch;
  const size_t kBatch = 10'000;
  long long spam_count = 0;
  for (long long i = 0; i < n; ++i) {
    // ~10 % spam: templates 9..11; ham otherwise. With PENDING, comment i is
    // spam when floor((i+1)·P/N) steps past floor(i·P/N): exactly P of them,
    // evenly spread (the draw is still made, so the other fields stay the same).
    bool spam = rng() % 10 == 0;
    if (pending >= 0) spam = (i + 1) * pending / n != i * pending / n;
    const Template& t = spam ? kTemplates[9 + rng() % 3] : kTemplates[rng() % 9];
    Comment c;
    c.site = (i % 3 == 0) ? "ar.news.example" : "news.example";
    c.external_id = "c" + std::to_string(i);
    c.thread = "article-" + std::to_string(i / 500);
    c.author_name = "reader" + std::to_string(rng() % 5000);
    c.author_email = c.author_name + "@mail.example";
    // 100,000 addresses: at 20 comments/s each is seen ~0.1 times in 10 minutes.
    const uint64_t ip = rng() % 100'000;
    c.author_ip = "10." + std::to_string(ip >> 16) + "." + std::to_string((ip >> 8) & 255) + "." +
                  std::to_string(ip & 255);
    c.content = std::string(t.text) + " #" + std::to_string(i);
    if (rng() % 2 == 0) c.content += " " + std::string(kTemplates[rng() % 9].text);
    c.received_at_ms = t0 + i * 50;
    c.language = t.lang;
    c.language_reliable = true;
    const double p_spam = spam ? 0.97 : 0.02 + static_cast<double>(rng() % 100) / 1000.0;
    char labels[96];
    std::snprintf(labels, sizeof labels, "{\"abuse\":0.01,\"ham\":%.4f,\"spam\":%.4f}",
                  1 - p_spam, p_spam);
    c.labels_json = labels;
    c.action = spam ? "hold" : "accept";
    c.status = spam ? "pending" : "approved";
    c.score = spam ? 8.9 : 0;
    c.rules_version = "r-bench";
    c.model_version = "ft-bench";
    std::string reasons = "[]";
    auto reason = [&c](const char* rule, const char* description, double score) {
      c.reasons.push_back({rule, description, "content", score, -1, -1, "", false});
    };
    if (spam) {
      reason("spam.gambling", "Gambling spam", 3);
      reason("classifier.spam", "classifier: spam probability 0.970", 6.58);
      ++spam_count;
      if (spam_count % 1000 == 7) reason("spam.rare", "A rare rule", 1);
      if (spam_count % 50 == 0) reason("link.any", "A link", 0.5);
    } else if (i % 5 == 0) {
      reason("link.any", "A link", 0.5);
    }
    if (spam) {
      reasons = "[{\"rule\":\"spam.gambling\",\"description\":\"Gambling spam\",\"score\":3,"
                "\"field\":\"content\",\"shadow\":false},{\"rule\":\"classifier.spam\","
                "\"description\":\"classifier: spam probability 0.970\",\"score\":6.58,"
                "\"field\":\"content\",\"shadow\":false}]";
    }
    c.verdict_json = "{\"site\":" + Json(c.site) + ",\"external_id\":" + Json(c.external_id) +
                     ",\"status\":\"" + c.status + "\",\"action\":\"" + c.action +
                     "\",\"score\":" + (spam ? "8.9" : "0") + ",\"labels\":" + c.labels_json +
                     ",\"language\":{\"code\":\"" + t.lang + "\",\"reliable\":true},\"reasons\":" +
                     reasons + "}";
    c.updated_at_ms = c.received_at_ms;
    batch.push_back(std::move(c));
    if (batch.size() == kBatch || i + 1 == n) {
      if (auto ec = store->InsertBatch(batch, nullptr)) {
        std::fprintf(stderr, "%s: %s (%s)\n", path.c_str(), ec.message().c_str(),
                     store->LastErrorMessage().c_str());
        return 1;
      }
      // Then the text index, as the daemon's writer adds to it after its
      // commits (Store::IndexText): the filled file is searchable at once.
      int64_t indexed = 0;
      int64_t remaining = 0;
      if (auto ec = store->IndexText(static_cast<int64_t>(batch.size()), &indexed, &remaining)) {
        std::fprintf(stderr, "%s: indexing: %s (%s)\n", path.c_str(), ec.message().c_str(),
                     store->LastErrorMessage().c_str());
        return 1;
      }
      batch.clear();
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%lld comments written to %s in %.1f s\n", n, path.c_str(), s);
  return 0;
}
