// `moderated migrate-db`: copies an installation from one database to
// another (SQLite to PostgreSQL when a site moves to several daemons), table
// by table with every id kept, then counts the rows on both sides.
#include <iostream>
#include <string>
#include <vector>

#include "base/flags.h"
#include "daemon/cli/commands.h"
#include "storage/store.h"

namespace moderated {
namespace {

constexpr const char* kMigrateHelp =
    R"(Usage: moderated migrate-db --from URL --to URL

Copies every comment with its reasons, labels, decisions and claims, the
rules versions, models, tokens, sites, audit log and webhook outbox from
--from to --to, keeping ids, then verifies that both hold the same number
of rows in each table. The destination must be empty (its schema is created
if missing). Stop the daemons writing to --from first.

  --from URL   sqlite:///var/lib/moderated/moderated.db (or a plain path)
  --to URL     postgresql://moderated@db.example/moderated (the password
               from PGPASSFILE or ~/.pgpass, never on the command line)
  --batch N    rows per INSERT transaction, 1..1000000 (default 1000)

Prints one line per table ("comments: 1234 rows") and exits 0 when every
count matches; 1 on any error or mismatch.
)";

int Fail(const std::string& message) {
  std::cerr << "moderated migrate-db: " << message << "\n";
  return 1;
}

// Rows of `table` in `store`; -1 with *error on failure.
int64_t CountRows(storage::Store& store, const std::string& table, std::string* error) {
  int64_t n = 0;
  if (store.ReadTable(table, [&n](const storage::Store::TextRow&) {
        ++n;
        return true;
      })) {
    *error = table + ": " + store.LastErrorMessage();
    return -1;
  }
  return n;
}

// A database that already holds rows is refused: migrate-db fills an empty one.
std::string CheckEmpty(storage::Store& dest, const std::string& to) {
  std::string error;
  for (const char* table : storage::CopiedTables()) {
    const int64_t n = CountRows(dest, table, &error);
    if (n < 0) return storage::RedactDatabaseUrl(to) + ": " + error;
    if (n > 0) {
      return storage::RedactDatabaseUrl(to) + ": " + table + " already has " + std::to_string(n) +
             " rows; migrate-db copies into an empty database";
    }
  }
  return "";
}

// Copies one table in transactions of `batch` rows.
std::string CopyTable(storage::Store& source, storage::Store& dest, const char* table,
                      size_t batch, const std::string& from, const std::string& to) {
  std::vector<storage::Store::TextRow> rows;
  std::error_code write_ec;
  auto flush = [&] {
    if (rows.empty() || write_ec) return;
    write_ec = dest.WriteRows(table, rows);
    rows.clear();
  };
  std::error_code read_ec = source.ReadTable(table, [&](const storage::Store::TextRow& row) {
    rows.push_back(row);
    if (rows.size() >= batch) flush();
    return !write_ec;
  });
  if (read_ec) return from + ": " + table + ": " + source.LastErrorMessage();
  flush();
  if (write_ec) {
    return storage::RedactDatabaseUrl(to) + ": " + table + ": " + dest.LastErrorMessage();
  }
  return "";
}

// The same number of rows on both sides, table by table, printed; *ok is
// false on a mismatch. Returns an error only when counting fails.
std::string VerifyCounts(storage::Store& source, storage::Store& dest, const std::string& from,
                         const std::string& to, bool* ok) {
  std::string error;
  *ok = true;
  for (const char* table : storage::CopiedTables()) {
    const int64_t in_source = CountRows(source, table, &error);
    if (in_source < 0) return from + ": " + error;
    const int64_t in_dest = CountRows(dest, table, &error);
    if (in_dest < 0) return storage::RedactDatabaseUrl(to) + ": " + error;
    std::cout << table << ": " << in_dest << " rows";
    if (in_source != in_dest) {
      std::cout << " (source has " << in_source << ")";
      *ok = false;
    }
    std::cout << "\n";
  }
  return "";
}

}  // namespace

int RunMigrateDbCommand(int argc, char** argv) {
  std::string from, to;
  size_t batch = 1000;
  base::FlagParser parser("moderated migrate-db");
  parser.Value("--from", &from).Value("--to", &to).Int("--batch", 1, 1000000, &batch);
  if (int rc = parser.ParseForCommand(argc, argv, 1, kMigrateHelp); rc >= 0) return rc;
  if (from.empty() || to.empty()) {
    std::cerr << "moderated migrate-db: --from and --to are required\n" << kMigrateHelp;
    return 2;
  }
  if (storage::ParseDatabaseUrl(to, nullptr) != storage::Backend::kPostgres) {
    return Fail("--to must be a postgresql:// URL (copying into SQLite is not supported)");
  }
  std::string error;
  auto source = storage::Store::Open(from, storage::Store::OpenMode::kReadOnly, &error);
  if (source == nullptr) return Fail(error);
  auto dest = storage::Store::Open(to, storage::Store::OpenMode::kReadWrite, &error);
  if (dest == nullptr) return Fail(error);
  if (error = CheckEmpty(*dest, to); !error.empty()) return Fail(error);
  for (const char* table : storage::CopiedTables()) {
    if (error = CopyTable(*source, *dest, table, batch, from, to); !error.empty()) {
      return Fail(error);
    }
  }
  if (dest->FinishCopy()) {
    return Fail(storage::RedactDatabaseUrl(to) + ": " + dest->LastErrorMessage());
  }
  bool ok = false;
  if (error = VerifyCounts(*source, *dest, from, to, &ok); !error.empty()) return Fail(error);
  return ok ? 0 : Fail("row counts differ");
}

}  // namespace moderated
