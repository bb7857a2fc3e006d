// storage/sqlite/store.h  (internal to storage/)
//
// SqliteStore: the Store interface on one SQLite connection (the embedded
// default backend). Its methods are split by area across store.cc,
// sqlite/queue.cc, sqlite/admin.cc, sqlite/models.cc, sqlite/tokens.cc,
// sqlite/akismet.cc and sqlite/retention.cc; state lives in Impl
// (sqlite/impl.h). Store::Open() chooses it for "sqlite:///path" and plain
// paths.
#ifndef MODERATED_STORAGE_SQLITE_STORE_H_
#define MODERATED_STORAGE_SQLITE_STORE_H_

#include <memory>
#include <string>

#include "storage/store.h"

namespace moderated::storage {

class SqliteStore final : public Store {
 public:
  // See Store::Open for what it does and the error lines.
  static std::unique_ptr<Store> Open(const std::string& path, OpenMode mode,
                                     const StoreOptions& options, std::string* error);
  ~SqliteStore() override;

  std::error_code InsertBatch(std::span<const Comment> comments,
                              std::vector<InsertOutcome>* outcomes) override;
  int64_t wal_frames() const override;
  std::error_code Checkpoint(CheckpointMode mode, CheckpointResult* out, int max_wait_ms = -1) override;
  std::error_code Get(int64_t id, Comment* out) override;
  std::error_code Scan(int64_t from_id, int64_t to_id,
                       const std::function<bool(const Comment&)>& fn) override;
  std::error_code Count(int64_t* out) override;
  std::error_code UpdateStatus(int64_t id, const std::string& status, int64_t updated_at_ms) override;
  std::error_code AddLabel(const Label& label, int64_t* id) override;
  std::error_code ListLabels(int64_t comment_id, std::vector<Label>* out) override;
  std::error_code AddToken(const Token& token, int64_t* id) override;
  std::error_code FindTokenByHash(const std::string& hash, Token* out) override;
  std::error_code ListTokens(std::vector<Token>* out) override;
  std::error_code RevokeToken(int64_t id, int64_t at_ms) override;
  std::error_code TouchToken(int64_t id, int64_t at_ms) override;

  // Audit log (sqlite/tokens.cc). Appends one entry.
  std::error_code AppendAudit(const AuditEntry& entry, int64_t* id = nullptr) override;
  std::error_code AddRulesVersion(const RulesVersion& version, int64_t* id) override;
  std::error_code ActivateRulesVersion(int64_t id) override;
  std::error_code ListRulesVersions(std::vector<RulesVersion>* out) override;
  std::error_code GetRulesVersion(int64_t id, RulesVersion* out) override;
  std::error_code ActiveRulesVersion(RulesVersion* out) override;
  std::error_code ListSites(std::vector<Site>* out) override;
  std::error_code GetSite(const std::string& name, Site* out) override;
  std::error_code PutSite(const Site& site, const AuditEntry& audit, bool* created) override;
  std::error_code DeleteSite(const std::string& name, const AuditEntry& audit) override;
  std::error_code QueryAudit(const AuditQuery& query, std::vector<AuditEntry>* out) override;
  std::error_code AddOutboxEvent(const OutboxEvent& event, int64_t* id) override;
  std::error_code DueOutboxEvents(int64_t now_ms, int64_t limit, std::vector<OutboxEvent>* out) override;
  std::error_code MarkOutboxDelivered(int64_t id, int64_t at_ms) override;
  std::error_code MarkOutboxFailed(int64_t id, int64_t next_attempt_at_ms,
                                   const std::string& error) override;
  std::error_code GetOutboxEvent(const std::string& event_id, OutboxEvent* out) override;
  std::error_code CountUndelivered(int64_t gave_up_at_ms, int64_t* pending,
                                   int64_t* gave_up) override;
  std::error_code ListQueue(const QueueFilter& filter, QueueOrder order,
                            const std::optional<QueuePosition>& after, int64_t limit,
                            std::vector<Comment>* out) override;
  std::error_code CountQueue(const QueueFilter& filter, QueueCounts* out) override;
  std::error_code SearchComments(const SearchFilter& filter, int64_t before_id, int64_t limit,
                                 std::vector<Comment>* out) override;
  std::error_code IndexText(int64_t max_rows, int64_t* indexed, int64_t* remaining) override;
  std::error_code PutSavedView(const SavedView& view, SavedView* stored, bool* created) override;
  std::error_code ListSavedViews(int64_t token_id, const std::string& kind,
                                 std::vector<SavedView>* out) override;
  std::error_code DeleteSavedView(int64_t token_id, int64_t id) override;
  std::error_code GetClaim(int64_t comment_id, int64_t now_ms, std::optional<Claim>* out) override;
  std::error_code ClaimComment(int64_t comment_id, const std::string& actor, int64_t now_ms,
                               int64_t expires_at_ms, ReviewOutcome* outcome, Claim* claim) override;
  std::error_code ReleaseClaim(int64_t comment_id, const std::string& actor, int64_t now_ms,
                               ReviewOutcome* outcome, Claim* holder) override;
  std::error_code Decide(const DecideRequest& request, DecideResult* result) override;
  std::error_code DecideMany(std::span<const DecideRequest> requests,
                             std::vector<DecideResult>* results) override;
  std::error_code Undo(const DecideRequest& request, int64_t window_ms, DecideResult* result) override;
  std::error_code ListQueueIds(const QueueFilter& filter, int64_t after_id, int64_t limit,
                               std::vector<int64_t>* out) override;
  std::error_code CountQueueExact(const QueueFilter& filter, int64_t* out) override;
  std::error_code AddBulkAction(const BulkAction& action, int64_t* id) override;
  std::error_code UpdateBulkAction(const BulkAction& action, const std::string& expected_state,
                                   const AuditEntry* audit, bool* updated) override;
  std::error_code GetBulkAction(int64_t id, BulkAction* out) override;
  std::error_code ListStalledBulkActions(int64_t updated_before_ms, int64_t limit,
                                         std::vector<BulkAction>* out) override;
  std::error_code ListBulkDecisions(int64_t bulk_id, int64_t after_id, int64_t limit,
                                    std::vector<Decision>* out) override;
  std::error_code UndoBulkDecisions(int64_t bulk_id, std::span<const DecideRequest> requests,
                                    std::vector<DecideResult>* results) override;
  std::error_code History(int64_t comment_id, std::vector<Decision>* decisions,
                          std::vector<ReviewLabel>* labels) override;
  std::error_code GetQueueExtras(std::span<const Comment> comments, int64_t now_ms,
                                 const std::optional<std::vector<std::string>>& sites,
                                 int64_t cap, std::vector<QueueExtras>* out) override;
  std::error_code GetReputation(const std::string& email, const std::string& ip,
                                const std::optional<std::vector<std::string>>& sites,
                                Reputation* by_email, Reputation* by_ip, int64_t cap = 0) override;
  std::error_code ListChanged(const std::string& site, int64_t since_ms,
                              const std::optional<std::pair<int64_t, int64_t>>& after,
                              int64_t limit, std::vector<Comment>* out) override;
  std::error_code FindResubmitted(const std::string& site, const std::string& content,
                                  const std::string& author_email, const std::string& author_ip,
                                  int64_t since_ms, int64_t* id) override;
  std::error_code CountReceivedSince(const std::string& site, int64_t since_ms, int64_t* out) override;
  std::error_code FindByExternalId(const std::string& site, const std::string& external_id,
                                   int64_t* id, std::string* verdict_json) override;
  std::error_code CountSiteActivity(const std::string& site, int64_t from_ms, int64_t to_ms,
                                    SiteActivity* out) override;
  std::error_code CountPurgeable(const PurgeFilter& filter, int64_t* count) override;
  std::error_code PurgeDecided(const PurgeFilter& filter, int64_t limit, int64_t* deleted) override;
  std::error_code SiteRetentionDays(std::map<std::string, int64_t>* out) override;
  std::error_code ForgetAuthor(const std::string& email, const AuditEntry& audit,
                               ForgetResult* result) override;
  std::error_code CountPendingBySite(std::map<std::string, int64_t>* out) override;
  std::error_code AddModel(const ModelVersion& model, int64_t* id) override;
  std::error_code ActivateModel(int64_t id, const AuditEntry* audit) override;
  std::error_code DeactivateModels(const std::string& site, const AuditEntry* audit) override;
  std::error_code ListModels(std::vector<ModelVersion>* out) override;
  std::error_code GetModel(int64_t id, ModelVersion* out) override;
  std::error_code ActiveModel(ModelVersion* out) override;
  std::error_code ActiveSiteModels(std::vector<ModelVersion>* out) override;
  std::error_code ScanLabelledComments(int64_t since_id,
                                       const std::function<bool(const LabelledComment&)>& fn) override;
  const std::string& LastErrorMessage() const override;

  std::error_code Ping() override;
  std::error_code ChangeStamp(std::string* out) override;
  std::error_code WaitForChange(int timeout_ms, bool* notified) override;
  std::error_code TryLock(int64_t key, bool* acquired) override;
  std::error_code Unlock(int64_t key) override;
  std::error_code ObserveVelocity(const std::array<std::string, 3>& keys, int64_t now_ms,
                                  int64_t window_ms, bool record,
                                  std::array<int64_t, 3>* counts) override;
  std::error_code ReadTable(const std::string& table,
                            const std::function<bool(const TextRow&)>& fn) override;
  std::error_code WriteRows(const std::string& table, std::span<const TextRow> rows) override;
  std::error_code FinishCopy() override;

  struct Impl;

 private:
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  // Appends each of `ids` with its reasons (a point lookup each), skipping
  // ids deleted since they were read; on error, `out` is left empty. The
  // second step of every listing that first reads a page of ids.
  std::error_code GetEach(const std::vector<int64_t>& ids, std::vector<Comment>* out);
  std::unique_ptr<Impl> impl_;
};

}  // namespace moderated::storage

#endif  // MODERATED_STORAGE_SQLITE_STORE_H_
