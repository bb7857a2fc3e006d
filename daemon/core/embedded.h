// daemon/core/embedded.h
//
// The defaults compiled into the binary, so that `moderated serve` works with
// no files besides itself: the default ruleset (rules/default.yaml) and the
// default fastText model (classifiers/models/default.ftz). See embedded.S.
#ifndef MODERATED_DAEMON_CORE_EMBEDDED_H_
#define MODERATED_DAEMON_CORE_EMBEDDED_H_

#include <string_view>

namespace moderated {

std::string_view EmbeddedDefaultRules();
std::string_view EmbeddedDefaultModel();

}  // namespace moderated

#endif  // MODERATED_DAEMON_CORE_EMBEDDED_H_
