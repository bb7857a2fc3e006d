// storage/sql_terms.h (internal to storage/)
//
// SQL terms both backends and several statements share, as string-literal
// macros so that each statement stays one constant: the same words in
// SQLite and PostgreSQL. `p` is a parameter as the backend writes it
// ("?6", "$6::text"); the comment is `c`.
#ifndef MODERATED_STORAGE_SQL_TERMS_H_
#define MODERATED_STORAGE_SQL_TERMS_H_

// A comment's effective label: label row `l` is the comment's latest (by
// id) not-undone "ham", "spam" or "abuse" label, whoever gave it (a
// moderator's decision, a site's report, an import). "rejected" and "undo"
// rows never count. Training data (ScanLabelledComments) and the search's
// label filter read the same.
#define MODERATED_EFFECTIVE_LABEL(l)                                                   \
  l ".id = (SELECT max(l2.id) FROM labels l2 WHERE l2.comment_id = " l ".comment_id" \
  " AND l2.undone = 0 AND l2.label IN ('ham', 'spam', 'abuse'))"

// Comment c's effective label is `p`.
#define MODERATED_LABEL_IS(p)                                                          \
  "EXISTS (SELECT 1 FROM labels l WHERE l.comment_id = c.id AND l.label = " p " AND" \
  " l.undone = 0 AND " MODERATED_EFFECTIVE_LABEL("l") ")"

// Comment c has an enforced (not shadow) reason of rule `p`.
#define MODERATED_HAS_RULE(p)                                                   \
  "EXISTS (SELECT 1 FROM reasons r WHERE r.comment_id = c.id AND r.rule_id = " p \
  " AND r.shadow = 0)"

#endif  // MODERATED_STORAGE_SQL_TERMS_H_
